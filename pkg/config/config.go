// Package config reads a Lambda function's deployment settings from its environment into one
// typed Config, validated in full at start: every problem is reported at once, and a function
// with a bad configuration fails its cold start instead of serving half-configured.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/signer"
)

// Config is what a Cognate function needs to know about its deployment.
type Config struct {
	Region    string // AWS_REGION (set by Lambda)
	AccountID string // COGNATE_ACCOUNT_ID: appears in pool ARNs
	Table     string // COGNATE_TABLE: the DynamoDB table
	// IssuerBase is the public base URL of token issuers (COGNATE_ISSUER_BASE), e.g. a custom
	// domain. Empty: the base is taken per request from the host the client used, which only the
	// edge router may tell (see OriginVerify).
	IssuerBase string
	// OriginVerify is the value the CloudFront origin request carries in x-cognate-origin-verify
	// (COGNATE_ORIGIN_VERIFY); requests without it are not trusted to name their host.
	OriginVerify string
	// SignerMode is COGNATE_SIGNER_MODE: signer.ModeKMSEnvelope or signer.ModeKMS (docs/deploy.md
	// compares them); signer.ModeLocal needs a key file, which a function does not have.
	SignerMode signer.Mode
	// EnvelopeKeyARN is the symmetric key for envelope encryption of verifiers, seeds and, in
	// kms-envelope mode, signing keys (COGNATE_ENVELOPE_KEY_ARN).
	EnvelopeKeyARN string
	// Mail.
	FromAddress      string   // COGNATE_FROM_ADDRESS: verified SES identity
	ReplyTo          []string // COGNATE_REPLY_TO: comma-separated
	ConfigurationSet string   // COGNATE_SES_CONFIGURATION_SET
	SMSSenderID      string   // COGNATE_SMS_SENDER_ID
	// AdminKeys are ACCESS_KEY_ID:SECRET pairs admin calls may be signed with (COGNATE_ADMIN_KEYS).
	// In Lambda they normally come from a secret at deploy time.
	AdminKeys map[string]string
	// CallTimeout bounds every AWS call (COGNATE_CALL_TIMEOUT, default 3s); it must stay well
	// under the function timeout so nothing is left half-written (LAM-01).
	CallTimeout time.Duration
	LogLevel    string // COGNATE_LOG_LEVEL
}

// FromEnv reads and validates the configuration.
func FromEnv() (*Config, error) { return Parse(os.Getenv) }

// Parse reads the configuration through getenv (tests pass a map's lookup).
func Parse(getenv func(string) string) (*Config, error) {
	c := &Config{
		Region:           getenv("AWS_REGION"),
		AccountID:        getenv("COGNATE_ACCOUNT_ID"),
		Table:            getenv("COGNATE_TABLE"),
		IssuerBase:       strings.TrimRight(getenv("COGNATE_ISSUER_BASE"), "/"),
		OriginVerify:     getenv("COGNATE_ORIGIN_VERIFY"),
		EnvelopeKeyARN:   getenv("COGNATE_ENVELOPE_KEY_ARN"),
		FromAddress:      getenv("COGNATE_FROM_ADDRESS"),
		ConfigurationSet: getenv("COGNATE_SES_CONFIGURATION_SET"),
		SMSSenderID:      getenv("COGNATE_SMS_SENDER_ID"),
		LogLevel:         getenv("COGNATE_LOG_LEVEL"),
		AdminKeys:        map[string]string{},
		CallTimeout:      3 * time.Second,
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, r := range strings.Split(getenv("COGNATE_REPLY_TO"), ",") {
		if r = strings.TrimSpace(r); r != "" {
			c.ReplyTo = append(c.ReplyTo, r)
		}
	}
	if keys, err := ParseAdminKeys(getenv("COGNATE_ADMIN_KEYS")); err != nil {
		bad("COGNATE_ADMIN_KEYS: %v", err)
	} else {
		c.AdminKeys = keys
	}
	if v := getenv("COGNATE_CALL_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Minute {
			bad("COGNATE_CALL_TIMEOUT: %q is not a duration between 0 and 1m", v)
		} else {
			c.CallTimeout = d
		}
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.Region == "" {
		bad("AWS_REGION is not set")
	}
	if c.AccountID == "" {
		c.AccountID = "000000000000"
	}
	if c.Table == "" {
		bad("COGNATE_TABLE is not set")
	}
	if c.IssuerBase != "" {
		if u, err := url.Parse(c.IssuerBase); err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("COGNATE_ISSUER_BASE: %q is not an https origin such as https://auth.example.com", c.IssuerBase)
		}
	} else if len(c.OriginVerify) < 16 {
		bad("COGNATE_ORIGIN_VERIFY must be set (16+ characters) when COGNATE_ISSUER_BASE is empty")
	}
	if m, err := signer.ParseMode(getenv("COGNATE_SIGNER_MODE")); err != nil || m == signer.ModeLocal {
		bad("COGNATE_SIGNER_MODE: %q is not kms or kms-envelope", getenv("COGNATE_SIGNER_MODE"))
	} else {
		c.SignerMode = m // kms mode creates a KMS key per pool and use
	}
	if c.EnvelopeKeyARN == "" {
		bad("COGNATE_ENVELOPE_KEY_ARN is not set")
	}
	if c.FromAddress != "" && !strings.Contains(c.FromAddress, "@") {
		bad("COGNATE_FROM_ADDRESS: %q is not an email address", c.FromAddress)
	}
	if len(problems) > 0 {
		return nil, errors.New("invalid configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return c, nil
}

// ParseAdminKeys reads comma-separated ACCESS_KEY_ID:SECRET pairs (COGNATE_ADMIN_KEYS, and
// `cognate serve --admin-keys`). A malformed entry is named by its position only, never by its
// text: without its colon it may be all secret, and the error ends up in logs and terminals.
func ParseAdminKeys(s string) (map[string]string, error) {
	keys := map[string]string{}
	var bad []string
	for i, pair := range strings.Split(s, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		id, secret, ok := strings.Cut(pair, ":")
		if !ok || id == "" || secret == "" {
			bad = append(bad, fmt.Sprintf("entry %d is not ACCESS_KEY_ID:SECRET", i+1))
			continue
		}
		keys[id] = secret
	}
	if len(bad) > 0 {
		return nil, errors.New(strings.Join(bad, "; "))
	}
	return keys, nil
}
