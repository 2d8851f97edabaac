// Package ports is what every room of the service is given: the ports to the world outside the
// process (the table through store.Repo, the envelope sealer, the mail sender, the custom
// senders' key service, the clock, the source of randomness, the logger) and the few helpers over them that every room needs the
// same way: the time now, the keyed MAC over codes and simulated values, random identifiers.
// Rooms embed *Ports; no room reaches a port any other way, so a test builds one Ports with
// the embedded store and a fake clock and hands it to the room under test.
package ports

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
)

// Ports are the service's ports. All fields are required except Log (discarded when nil) and
// SenderKeys.
type Ports struct {
	Repo   *store.Repo
	Sealer *envelope.Sealer
	Mail   mail.Sender
	// SenderKeys encrypts what custom sender functions receive; nil: a pool that configures
	// one fails each message it would send them (UnexpectedLambdaException).
	SenderKeys SenderKeys
	Clock      clock.Clock
	Rand       io.Reader
	Log        *slog.Logger
	// macKey keys MAC; held sealed in the table (the service loads it once, SetMACKey).
	macKey []byte
}

// SenderKeys encrypts the codes and temporary passwords a pool's CustomEmailSender and
// CustomSMSSender functions receive: Encrypt returns an AWS Encryption SDK message of plaintext
// under the KMS key keyID (the pool's LambdaConfig.KMSKeyID) with the encryption context ec, as
// Cognito makes it, so the functions decrypt it with the Encryption SDK's KMS keyring
// (pkg/esdk implements it over KMS). Any failure must leave nothing to send.
type SenderKeys interface {
	Encrypt(ctx context.Context, keyID string, ec map[string]string, plaintext []byte) ([]byte, error)
}

// SetMACKey sets the key of MAC, once, before the first request.
func (p *Ports) SetMACKey(key []byte) { p.macKey = key }

func (p *Ports) Now() time.Time { return p.Clock.Now() }

// MAC is HMAC-SHA256 under the server's MAC key over the length-prefixed parts.
func (p *Ports) MAC(parts ...string) []byte {
	m := hmac.New(sha256.New, p.macKey)
	for _, part := range parts {
		// Length-prefix each part so ("ab","c") and ("a","bc") differ.
		fmt.Fprintf(m, "%d:%s|", len(part), part)
	}
	return m.Sum(nil)
}

const (
	Alnum      = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	LowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
)

func (p *Ports) RandomString(alphabet string, n int) (string, error) {
	out := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range out {
		v, err := rand.Int(p.Rand, max)
		if err != nil {
			return "", err
		}
		out[i] = alphabet[v.Int64()]
	}
	return string(out), nil
}

func (p *Ports) UUID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(p.Rand, b[:]); err != nil {
		return "", err
	}
	return FormatUUID(b[:], 4), nil
}

// FormatUUID stamps version and the RFC 9562 variant on 16 bytes and writes them as a UUID.
func FormatUUID(b []byte, version byte) string {
	b[6] = b[6]&0x0f | version<<4
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (p *Ports) RandomToken(nbytes int) (string, error) {
	b := make([]byte, nbytes)
	if _, err := io.ReadFull(p.Rand, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
