// Package userpool is Cognate's transport-neutral service: every Cognito user-pool operation as
// a method taking a typed request and returning a typed response or a *cognito.Error. It holds
// the rules (statuses, policies, codes, challenges, tokens) and talks to the world only through
// ports: the store, the signer, the envelope sealer, the mail sender, the clock and a source of
// randomness. It imports no AWS SDK.
package userpool

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/account"
	"github.com/cognatehq/cognate/pkg/userpool/admin"
	"github.com/cognatehq/cognate/pkg/userpool/branding"
	"github.com/cognatehq/cognate/pkg/userpool/codes"
	"github.com/cognatehq/cognate/pkg/userpool/devices"
	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/grants"
	"github.com/cognatehq/cognate/pkg/userpool/groups"
	"github.com/cognatehq/cognate/pkg/userpool/limits"
	"github.com/cognatehq/cognate/pkg/userpool/lineage"
	"github.com/cognatehq/cognate/pkg/userpool/mfa"
	"github.com/cognatehq/cognate/pkg/userpool/migration"
	"github.com/cognatehq/cognate/pkg/userpool/passkeys"
	"github.com/cognatehq/cognate/pkg/userpool/passwords"
	"github.com/cognatehq/cognate/pkg/userpool/pools"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
	"github.com/cognatehq/cognate/pkg/userpool/recovery"
	"github.com/cognatehq/cognate/pkg/userpool/sessions"
	"github.com/cognatehq/cognate/pkg/userpool/signin"
	"github.com/cognatehq/cognate/pkg/userpool/signup"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"

	"github.com/cognatehq/cognate/pkg/clock"
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
	// Triggers invokes pools' Lambda triggers (pkg/trigger); nil calls none, and an operation
	// whose pool configures one fails with UnexpectedLambdaException.
	Triggers trigger.Invoker
	// SenderKeys encrypts the codes custom sender functions receive (pkg/esdk over KMS); nil:
	// a pool with a custom sender fails each message it would send it.
	SenderKeys ports.SenderKeys
}

// Service implements the user-pool operations.
type Service struct {
	// Ports are the ports every room is given (store, sealer, mail, clock, randomness, log).
	*ports.Ports
	cfg    Config
	signer signer.Signer
	tokens *token.Issuer
	// dir finds and updates pools, clients and users (pkg/userpool/directory).
	dir *directory.Directory
	// codes issues, sends and checks one-time codes (pkg/userpool/codes).
	codes *codes.Codes
	// sessions issues, opens and consumes challenge Sessions (pkg/userpool/sessions).
	sessions *sessions.Sessions
	// limits counts failed passwords (lockout) and code operations per hour (pkg/userpool/limits).
	limits *limits.Limits
	// devices reads and writes remembered devices (pkg/userpool/devices).
	devices *devices.Devices
	// lineages mints tokens, keeps refresh-token lineages and authenticates access tokens
	// (pkg/userpool/lineage).
	lineages *lineage.Lineages
	// passwords makes and checks password verifiers (pkg/userpool/passwords).
	passwords *passwords.Passwords
	// triggers calls pools' Lambda triggers (pkg/userpool/triggers).
	triggers *triggers.Triggers
	// migrations moves users in from a legacy directory (pkg/userpool/migration).
	migrations *migration.Migrations
	// signin is the sign-in pipeline (pkg/userpool/signin).
	signin *signin.SignIn
	// pools carries out the pool and app-client operations (pkg/userpool/pools).
	pools *pools.Pools
	// groups carries out the group operations (pkg/userpool/groups).
	groups *groups.Groups
	// signup carries out sign-up and its confirmation (pkg/userpool/signup).
	signup *signup.Registrations
	// recovery carries out password recovery and resets (pkg/userpool/recovery).
	recovery *recovery.Resets
	// mfa holds users' second factors and chooses the MFA challenge (pkg/userpool/mfa).
	mfa *mfa.MFA
	// passkeys holds users' WebAuthn credentials and judges their ceremonies (pkg/userpool/passkeys).
	passkeys *passkeys.Passkeys
	// account carries out the account, attribute and device operations (pkg/userpool/account).
	account *account.Accounts
	// admin carries out the administrator's operations on users (pkg/userpool/admin).
	admin *admin.Users
	// branding stores the look of the hosted pages (pkg/userpool/branding).
	branding *branding.Branding
	// grants gives the OAuth grants: authorization codes, hosted sessions, client credentials.
	grants *grants.Grants
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
		Ports: &ports.Ports{Repo: store.NewRepo(d.Table), Sealer: d.Sealer, Mail: d.Mail, SenderKeys: d.SenderKeys,
			Clock: d.Clock, Rand: d.Rand, Log: d.Logger},
		cfg: cfg, signer: d.Signer, tokens: token.NewIssuer(d.Signer, d.Clock, d.Rand),
	}
	if cfg.ConfigCacheTTL == 0 {
		cfg.ConfigCacheTTL = 5 * time.Second
	}
	s.dir = directory.New(s.Ports, cfg.ConfigCacheTTL)
	s.triggers = triggers.New(d.Triggers, cfg.Region)
	s.codes = codes.New(s.Ports, s.triggers)
	s.sessions = sessions.New(s.Ports, s.dir)
	s.limits = limits.New(s.Ports, s.dir)
	s.devices = &devices.Devices{Ports: s.Ports}
	s.passwords = &passwords.Passwords{Ports: s.Ports}
	s.lineages = lineage.New(s.Ports, s.dir, s.devices, s.tokens, s.triggers, cfg.IssuerBase)
	s.pools = pools.New(s.Ports, s.dir, s.signer, cfg.Region, cfg.AccountID)
	s.groups = groups.New(s.Ports, s.dir)
	s.signup = signup.New(s.Ports, s.dir, s.codes, s.limits, s.sessions, s.passwords, s.triggers)
	s.migrations = migration.New(s.Ports, s.dir, s.passwords, s.triggers)
	s.recovery = recovery.New(s.Ports, s.dir, s.codes, s.limits, s.passwords, s.triggers, s.migrations)
	s.mfa = mfa.New(s.Ports, s.dir)
	s.passkeys = passkeys.New(s.Ports)
	s.account = account.New(s.Ports, account.Rooms{Directory: s.dir, Codes: s.codes, Limits: s.limits,
		Devices: s.devices, Lineages: s.lineages, Passwords: s.passwords, MFA: s.mfa, Passkeys: s.passkeys})
	s.branding = branding.New(s.Ports, s.dir, cfg.IssuerBase)
	s.grants = grants.New(s.Ports, s.dir, s.lineages)
	s.admin = admin.New(s.Ports, s.dir, s.codes, s.lineages, s.passwords, s.triggers)
	s.signin = signin.New(s.Ports, signin.Rooms{Directory: s.dir, Sessions: s.sessions, Limits: s.limits,
		Devices: s.devices, Lineages: s.lineages, Passwords: s.passwords, Triggers: s.triggers, Migrations: s.migrations, MFA: s.mfa, Codes: s.codes, Passkeys: s.passkeys})
	key, err := s.loadSecret(ctx, "mac")
	if err != nil {
		return nil, err
	}
	// macKey keys the HMACs over codes and the simulated SRP values; held sealed in the table.
	s.SetMACKey(key)
	return s, nil
}

// loadSecret returns a 32-byte server secret kept sealed in the table, creating it on first use.
// Two processes starting together agree: the create is conditional and the loser re-reads.
func (s *Service) loadSecret(ctx context.Context, name string) ([]byte, error) {
	aad := []byte("cognate/secret/" + name)
	for i := 0; i < 3; i++ {
		it, err := s.Repo.Get(ctx, store.RecordKey(store.RecordSecret, name))
		if err == nil {
			return s.Sealer.Open(ctx, it.Data, aad)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		key := make([]byte, 32)
		if _, err := io.ReadFull(s.Rand, key); err != nil {
			return nil, err
		}
		sealed, err := s.Sealer.Seal(ctx, key, aad)
		if err != nil {
			return nil, err
		}
		err = s.Repo.Create(ctx, store.RecordKey(store.RecordSecret, name), sealed, time.Time{})
		if err == nil {
			return key, nil
		}
		if !errors.Is(err, store.ErrExists) {
			return nil, err
		}
	}
	return nil, errors.New("userpool: could not load server secret " + name)
}

// Issuer returns the token issuer URL of a pool (for discovery documents).
func (s *Service) Issuer(poolID string) string { return s.lineages.Issuer(poolID) }

// ---- identifiers ----

// ---- time on the wire ----

// ---- SECRET_HASH ----
