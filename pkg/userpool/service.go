// Package userpool is Cognate's transport-neutral service: every Cognito user-pool operation as
// a method taking a typed request and returning a typed response or a *cognito.Error. It holds
// the rules (statuses, policies, codes, challenges, tokens) and talks to the world only through
// ports: the store, the signer, the envelope sealer, the mail sender, the clock and a source of
// randomness. It imports no AWS SDK.
package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/token"
)

// Config holds the deployment settings the service needs.
type Config struct {
	// Region prefixes pool ids and ARNs ("us-east-1").
	Region string
	// AccountID appears in pool ARNs.
	AccountID string
	// IssuerBase is the URL tokens are issued under: iss = IssuerBase + "/" + poolId.
	IssuerBase string
	// ConfigCacheTTL is how long decoded pools and clients are reused (directory/cache.go); 0 means 5 s,
	// negative disables the cache.
	ConfigCacheTTL time.Duration
}

// Deps are the ports.
type Deps struct {
	Table  store.Table
	Signer signer.Signer
	Sealer *envelope.Sealer
	Mail   mail.Sender
	Clock  clock.Clock
	Rand   io.Reader
	Logger *slog.Logger
}

// Service implements the user-pool operations.
type Service struct {
	cfg    Config
	repo   *store.Repo
	signer signer.Signer
	tokens *token.Issuer
	sealer *envelope.Sealer
	mail   mail.Sender
	clock  clock.Clock
	rand   io.Reader
	log    *slog.Logger
	// dir finds and updates pools, clients and users (pkg/userpool/directory).
	dir *directory.Directory
	// macKey keys the HMACs over codes and the simulated SRP values; held sealed in the table.
	macKey []byte
}

// New builds the service and loads (or creates, once) its sealed MAC key.
func New(ctx context.Context, cfg Config, d Deps) (*Service, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "000000000000"
	}
	cfg.IssuerBase = strings.TrimRight(cfg.IssuerBase, "/")
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Table == nil || d.Signer == nil || d.Sealer == nil || d.Mail == nil {
		return nil, errors.New("userpool: Table, Signer, Sealer and Mail are required")
	}
	s := &Service{
		cfg: cfg, repo: store.NewRepo(d.Table), signer: d.Signer,
		tokens: token.NewIssuer(d.Signer, d.Clock, d.Rand), sealer: d.Sealer, mail: d.Mail,
		clock: d.Clock, rand: d.Rand, log: d.Logger,
	}
	if cfg.ConfigCacheTTL == 0 {
		cfg.ConfigCacheTTL = 5 * time.Second
	}
	s.dir = directory.New(s.repo, d.Sealer, d.Clock, cfg.ConfigCacheTTL)
	key, err := s.loadSecret(ctx, "mac")
	if err != nil {
		return nil, err
	}
	s.macKey = key
	return s, nil
}

// loadSecret returns a 32-byte server secret kept sealed in the table, creating it on first use.
// Two processes starting together agree: the create is conditional and the loser re-reads.
func (s *Service) loadSecret(ctx context.Context, name string) ([]byte, error) {
	aad := []byte("cognate/secret/" + name)
	for i := 0; i < 3; i++ {
		it, err := s.repo.Get(ctx, store.RecordKey(store.RecordSecret, name))
		if err == nil {
			return s.sealer.Open(ctx, it.Data, aad)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		key := make([]byte, 32)
		if _, err := io.ReadFull(s.rand, key); err != nil {
			return nil, err
		}
		sealed, err := s.sealer.Seal(ctx, key, aad)
		if err != nil {
			return nil, err
		}
		err = s.repo.Create(ctx, store.RecordKey(store.RecordSecret, name), sealed, time.Time{})
		if err == nil {
			return key, nil
		}
		if !errors.Is(err, store.ErrExists) {
			return nil, err
		}
	}
	return nil, errors.New("userpool: could not load server secret " + name)
}

func (s *Service) now() time.Time { return s.clock.Now() }

func (s *Service) issuer(poolID string) string { return s.cfg.IssuerBase + "/" + poolID }

// Issuer returns the token issuer URL of a pool (for discovery documents).
func (s *Service) Issuer(poolID string) string { return s.issuer(poolID) }

func (s *Service) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, s.macKey)
	for _, p := range parts {
		// Length-prefix each part so ("ab","c") and ("a","bc") differ.
		fmt.Fprintf(m, "%d:%s|", len(p), p)
	}
	return m.Sum(nil)
}

// ---- identifiers ----

const (
	alnum      = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	lowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
)

func (s *Service) randomString(alphabet string, n int) (string, error) {
	out := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range out {
		v, err := rand.Int(s.rand, max)
		if err != nil {
			return "", err
		}
		out[i] = alphabet[v.Int64()]
	}
	return string(out), nil
}

func (s *Service) uuid() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", err
	}
	return formatUUID(b[:], 4), nil
}

// formatUUID stamps version and the RFC 9562 variant on 16 bytes and writes them as a UUID.
func formatUUID(b []byte, version byte) string {
	b[6] = b[6]&0x0f | version<<4
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (s *Service) randomToken(nbytes int) (string, error) {
	b := make([]byte, nbytes)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ---- time on the wire ----

func wireTime(t time.Time) *cognito.Time {
	if t.IsZero() {
		return nil
	}
	return cognito.NewTime(t)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain structs are marshalled here
	}
	return b
}

// ---- SECRET_HASH ----

// secretHash is Base64(HMAC-SHA256(clientSecret, username + clientId)).
func secretHash(clientSecret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(clientSecret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// checkSecretHash enforces SECRET_HASH for clients with a secret. usernames lists the spellings
// a client may have hashed (the typed name first, then the internal one): Cognito accepts either.
func checkSecretHash(c *model.Client, given string, usernames ...string) error {
	if c.Secret == "" {
		return nil
	}
	if given == "" {
		return cognito.NotAuthorized("Client %s is configured for secret but secret was not received", c.ID)
	}
	for _, u := range usernames {
		if u == "" {
			continue
		}
		want := secretHash(c.Secret, u, c.ID)
		if subtle.ConstantTimeCompare([]byte(want), []byte(given)) == 1 {
			return nil
		}
	}
	return msg.SecretHashMismatch(c.ID)
}

// checkClientSecret enforces the raw ClientSecret of GetTokensFromRefreshToken and RevokeToken.
func checkClientSecret(c *model.Client, given string) error {
	if c.Secret == "" {
		return nil
	}
	if given == "" {
		return cognito.NotAuthorized("Client %s is configured with secret but SECRET_HASH was not received", c.ID)
	}
	if subtle.ConstantTimeCompare([]byte(c.Secret), []byte(given)) != 1 {
		return msg.SecretHashMismatch(c.ID)
	}
	return nil
}
