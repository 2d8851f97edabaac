// Package passkeys owns a user's passkeys (WebAuthn credentials, cognito-protocol.md §2.7, §3.7):
// the registration ceremony (StartWebAuthnRegistration's creation options, whose challenge is kept
// on the user's record — single use, five minutes, bound to the user and the app client — and
// CompleteWebAuthnRegistration's attestation, verified with go-webauthn), the credentials a user
// lists and deletes, and the assertion that signs a user in with the WEB_AUTHN first factor
// (request options with the user's credentials; signature, origin, relying party, user
// verification as the pool configures it, and a signature counter that must move forward).
//
// The relying party id is the pool's WebAuthnConfiguration.RelyingPartyId, else its custom
// domain, else its prefix domain (<domain>.auth.<region>.amazoncognito.com); without any, passkeys
// are WebAuthnConfigurationMissingException. An origin is allowed when it is https and its host is
// the relying party id or a subdomain of it, or, for the relying party id "localhost" (a local
// pool), http or https on localhost at any port (docs/mfa.md, "Passkeys").
//
// The room judges; it never writes: each check returns the change its caller commits with the
// outcome (account operations on their own, the sign-in with its tokens).
package passkeys

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
)

// RegistrationTTL is how long a registration challenge may be answered.
const RegistrationTTL = 5 * time.Minute

// MultiFactor is the FactorConfiguration under which a passkey assertion with user
// verification satisfies MFA.
const MultiFactor = "MULTI_FACTOR_WITH_USER_VERIFICATION"

// ErrRefused is a sign-in assertion that does not prove the user: wrong signature, origin,
// relying party, challenge, credential or counter. The sign-in answers it like a wrong password.
var ErrRefused = errors.New("passkeys: assertion refused")

// Passkeys is the room.
type Passkeys struct {
	*ports.Ports
}

// New builds the passkeys room.
func New(p *ports.Ports) *Passkeys { return &Passkeys{Ports: p} }

// RelyingPartyID is the pool's relying party id; "" when it has none.
func RelyingPartyID(p *model.Pool) string {
	if m := p.MFASettings; m != nil && m.WebAuthn != nil && m.WebAuthn.RelyingPartyId != "" {
		return m.WebAuthn.RelyingPartyId
	}
	if p.CustomDomain != "" {
		return p.CustomDomain
	}
	if p.Domain != "" {
		region, _, _ := strings.Cut(p.Id, "_")
		return p.Domain + ".auth." + region + ".amazoncognito.com"
	}
	return ""
}

// userVerification is the pool's UserVerification (preferred unless required).
func userVerification(p *model.Pool) protocol.UserVerificationRequirement {
	if m := p.MFASettings; m != nil && m.WebAuthn != nil && m.WebAuthn.UserVerification == "required" {
		return protocol.VerificationRequired
	}
	return protocol.VerificationPreferred
}

// SatisfiesMFA tells whether a passkey sign-in with user verification stands for MFA in the
// pool (FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION).
func SatisfiesMFA(p *model.Pool) bool {
	m := p.MFASettings
	return m != nil && m.WebAuthn != nil && m.WebAuthn.FactorConfiguration == MultiFactor
}

// Offered tells whether the pool offers passkey sign-in at all: not LITE, WEB_AUTHN among its
// AllowedFirstAuthFactors, and a relying party id.
func Offered(p *model.Pool) bool {
	return p.UserPoolTier != "LITE" && slices.Contains(p.AllowedFactors(), model.FactorWebAuthn) && RelyingPartyID(p) != ""
}

// check is Offered as the error a registration answers.
func check(p *model.Pool) (string, error) {
	if p.UserPoolTier == "LITE" {
		return "", msg.FeatureUnavailableInTier("Passkeys (WEB_AUTHN)")
	}
	if !slices.Contains(p.AllowedFactors(), model.FactorWebAuthn) {
		return "", msg.WebAuthnNotEnabled()
	}
	rp := RelyingPartyID(p)
	if rp == "" {
		return "", msg.WebAuthnConfigurationMissing()
	}
	return rp, nil
}

// OriginAllowed tells whether a ceremony's origin (clientDataJSON.origin) belongs to the relying
// party rpID.
func OriginAllowed(rpID, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	rpID = strings.ToLower(rpID)
	if rpID == "localhost" {
		return host == "localhost" && (u.Scheme == "http" || u.Scheme == "https")
	}
	return u.Scheme == "https" && (host == rpID || strings.HasSuffix(host, "."+rpID))
}

// Handle is the user handle (user.id) of u's passkeys: the sub, which no other user ever has.
func Handle(u *model.User) []byte { return []byte(u.Sub()) }

// waUser is a user as go-webauthn sees one.
type waUser struct {
	id            []byte
	name, display string
	creds         []webauthn.Credential
}

func (w *waUser) WebAuthnID() []byte                         { return w.id }
func (w *waUser) WebAuthnName() string                       { return w.name }
func (w *waUser) WebAuthnDisplayName() string                { return w.display }
func (w *waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

func toUser(u *model.User) *waUser {
	name := u.Username
	for _, a := range []string{"preferred_username", "email", "phone_number"} {
		if v := u.Attrs[a]; v != "" {
			name = v
			break
		}
	}
	display := name
	if v := u.Attrs["name"]; v != "" {
		display = v
	}
	w := &waUser{id: Handle(u), name: name, display: display}
	for _, k := range u.Passkeys() {
		c := webauthn.Credential{ID: k.ID, PublicKey: k.PublicKey, AttestationFormat: k.Format,
			Flags:         webauthn.CredentialFlags{UserPresent: true, UserVerified: k.UV, BackupEligible: k.BE},
			Authenticator: webauthn.Authenticator{AAGUID: k.AAGUID, SignCount: k.SignCount, Attachment: protocol.AuthenticatorAttachment(k.Attachment)}}
		for _, t := range k.Transports {
			c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
		}
		w.creds = append(w.creds, c)
	}
	return w
}

// relyingParty configures go-webauthn for one ceremony: the pool's relying party, and the one
// origin the caller has already found allowed (OriginAllowed; go-webauthn compares exactly). The
// server enforces its own expiry, on the service's clock.
func relyingParty(p *model.Pool, rpID string, origin string, timeout time.Duration) (*webauthn.WebAuthn, error) {
	if origin == "" {
		origin = "https://" + rpID
	}
	name := p.Name
	if name == "" {
		name = rpID
	}
	return webauthn.New(&webauthn.Config{RPID: rpID, RPDisplayName: name, RPOrigins: []string{origin},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: timeout, TimeoutUVD: timeout},
			Registration: webauthn.TimeoutConfig{Timeout: timeout, TimeoutUVD: timeout},
		}})
}

func descriptors(u *model.User) []protocol.CredentialDescriptor {
	var out []protocol.CredentialDescriptor
	for _, c := range toUser(u).creds {
		out = append(out, c.Descriptor())
	}
	return out
}

// BeginRegistration is StartWebAuthnRegistration: the creation options (a
// PublicKeyCredentialCreationOptionsJSON document) and the change that keeps their challenge as
// the user's pending registration, replacing any earlier one.
func (k *Passkeys) BeginRegistration(p *model.Pool, u *model.User, clientID string) (json.RawMessage, func(cur *model.User) error, error) {
	rpID, err := check(p)
	if err != nil {
		return nil, nil, err
	}
	if len(u.Passkeys()) >= model.MaxPasskeys {
		return nil, nil, msg.TooManyPasskeys(model.MaxPasskeys)
	}
	w, err := relyingParty(p, rpID, "", RegistrationTTL)
	if err != nil {
		return nil, nil, msg.Internal(err)
	}
	uv := userVerification(p)
	creation, sess, err := w.BeginRegistration(toUser(u),
		webauthn.WithExclusions(descriptors(u)),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(), UserVerification: uv}))
	if err != nil {
		return nil, nil, msg.Internal(err)
	}
	doc, err := json.Marshal(creation.Response)
	if err != nil {
		return nil, nil, msg.Internal(err)
	}
	pending := model.PasskeyPending{Challenge: sess.Challenge, ClientID: clientID, RPID: rpID, UserVerification: string(uv),
		Expires: k.Now().Add(RegistrationTTL)}
	return doc, func(cur *model.User) error {
		if cur.WebAuthn == nil {
			cur.WebAuthn = &model.PasskeysRecord{}
		}
		cur.WebAuthn.Pending = &pending
		return nil
	}, nil
}

// CompleteRegistration is CompleteWebAuthnRegistration: it verifies the RegistrationResponseJSON
// against the pending registration and returns the change that adds the credential (and ends
// the registration). Errors are Cognito's: WebAuthnChallengeNotFoundException (no registration,
// expired, another challenge), WebAuthnClientMismatchException, WebAuthnOriginNotAllowedException,
// WebAuthnRelyingPartyMismatchException, WebAuthnCredentialNotSupportedException (an algorithm or
// attestation go-webauthn does not verify), InvalidParameterException (anything else wrong).
func (k *Passkeys) CompleteRegistration(p *model.Pool, u *model.User, clientID string, credential []byte) (func(cur *model.User) error, error) {
	if _, err := check(p); err != nil {
		return nil, err
	}
	var pending *model.PasskeyPending
	if u.WebAuthn != nil {
		pending = u.WebAuthn.Pending
	}
	if pending == nil || !k.Now().Before(pending.Expires) {
		return nil, msg.WebAuthnChallengeNotFound()
	}
	if pending.ClientID != clientID {
		return nil, msg.WebAuthnClientMismatch()
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return nil, msg.InvalidWebAuthnCredential(detail(err))
	}
	cd := parsed.Response.CollectedClientData
	if cd.Challenge != pending.Challenge {
		return nil, msg.WebAuthnChallengeNotFound()
	}
	if !OriginAllowed(pending.RPID, cd.Origin) {
		return nil, msg.WebAuthnOriginNotAllowed(cd.Origin)
	}
	if h := sha256.Sum256([]byte(pending.RPID)); !bytes.Equal(parsed.Response.AttestationObject.AuthData.RPIDHash, h[:]) {
		return nil, msg.WebAuthnRelyingPartyMismatch()
	}
	w, err := relyingParty(p, pending.RPID, cd.Origin, RegistrationTTL)
	if err != nil {
		return nil, msg.Internal(err)
	}
	cred, err := w.CreateCredential(toUser(u), webauthn.SessionData{Challenge: pending.Challenge, RelyingPartyID: pending.RPID,
		UserID: Handle(u), UserVerification: protocol.UserVerificationRequirement(pending.UserVerification),
		CredParams: webauthn.CredentialParametersDefault()}, parsed)
	if err != nil {
		if errors.Is(err, protocol.ErrUnsupportedAlgorithm) || errors.Is(err, protocol.ErrUnsupportedKey) || errors.Is(err, protocol.ErrAttestationFormat) {
			return nil, msg.WebAuthnCredentialNotSupported()
		}
		return nil, msg.InvalidWebAuthnCredential(detail(err))
	}
	rec := model.PasskeyRecord{ID: cred.ID, PublicKey: cred.PublicKey, SignCount: cred.Authenticator.SignCount,
		AAGUID: cred.Authenticator.AAGUID, Format: cred.AttestationFormat, Attachment: string(parsed.AuthenticatorAttachment),
		RPID: pending.RPID, Name: "Passkey", Created: k.Now(), UV: cred.Flags.UserVerified, BE: cred.Flags.BackupEligible}
	for _, t := range cred.Transport {
		rec.Transports = append(rec.Transports, string(t))
	}
	if rec.Transports == nil {
		rec.Transports = []string{}
	}
	challenge := pending.Challenge
	return func(cur *model.User) error {
		if cur.WebAuthn == nil || cur.WebAuthn.Pending == nil || cur.WebAuthn.Pending.Challenge != challenge {
			return msg.WebAuthnChallengeNotFound() // completed or restarted meanwhile
		}
		if cur.Passkey(rec.ID) != nil {
			return cognito.InvalidParameter("The passkey credential is already registered.")
		}
		if len(cur.WebAuthn.Credentials) >= model.MaxPasskeys {
			return msg.TooManyPasskeys(model.MaxPasskeys)
		}
		cur.WebAuthn.Credentials = append(cur.WebAuthn.Credentials, rec)
		cur.WebAuthn.Pending = nil
		return nil
	}, nil
}

// detail is what go-webauthn says is wrong, for InvalidParameterException's message.
func detail(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		return pe.Details
	}
	return "the credential could not be read"
}

// Delete is DeleteWebAuthnCredential's change: the credential of that id (base64url) goes.
func Delete(u *model.User, credentialID string) (func(cur *model.User) error, error) {
	id, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(credentialID, "="))
	if err != nil || u.Passkey(id) == nil {
		return nil, msg.PasskeyNotFound()
	}
	return func(cur *model.User) error {
		if cur.Passkey(id) == nil {
			return msg.PasskeyNotFound()
		}
		cur.WebAuthn.Credentials = slices.DeleteFunc(cur.WebAuthn.Credentials, func(c model.PasskeyRecord) bool { return bytes.Equal(c.ID, id) })
		return nil
	}, nil
}

// CredentialID is a credential's id as the API shows it (base64url, unpadded).
func CredentialID(k *model.PasskeyRecord) string { return base64.RawURLEncoding.EncodeToString(k.ID) }

// RequestOptions begins a sign-in: a fresh challenge and the PublicKeyCredentialRequestOptionsJSON
// (CREDENTIAL_REQUEST_OPTIONS) that lists u's credentials. For a name that matches nobody (u nil,
// existence hidden) the options list one credential id derived from the name, as a real user's
// would, and no assertion can ever answer them.
func (k *Passkeys) RequestOptions(p *model.Pool, u *model.User, typed string, timeout time.Duration) (challenge, options string, err error) {
	rpID := RelyingPartyID(p)
	if rpID == "" {
		return "", "", msg.WebAuthnConfigurationMissing()
	}
	w, err := relyingParty(p, rpID, "", timeout)
	if err != nil {
		return "", "", msg.Internal(err)
	}
	who := &waUser{id: []byte("unknown"), name: typed, display: typed}
	if u != nil {
		who = toUser(u)
	} else {
		who.creds = []webauthn.Credential{{ID: k.MAC("passkey-sim", p.Id, strings.ToLower(typed))[:16]}}
	}
	assertion, sess, err := w.BeginLogin(who, webauthn.WithUserVerification(userVerification(p)))
	if err != nil {
		return "", "", msg.Internal(err)
	}
	doc, err := json.Marshal(assertion.Response)
	if err != nil {
		return "", "", msg.Internal(err)
	}
	return sess.Challenge, string(doc), nil
}

// Assertion is a verified sign-in assertion.
type Assertion struct {
	// Record moves the credential's signature counter on u's record; it must commit with the
	// sign-in, and fails (ErrRefused) if another sign-in moved it first.
	Record func(cur *model.User) error
	// UserVerified: the authenticator verified the user (the UV flag).
	UserVerified bool
}

// ParseAssertion reads an AuthenticationResponseJSON; an error is a CREDENTIAL that is not one.
func ParseAssertion(credential string) (*protocol.ParsedCredentialAssertionData, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(credential))
	if err != nil {
		return nil, msg.InvalidWebAuthnCredential(detail(err))
	}
	return parsed, nil
}

// VerifyAssertion judges a sign-in assertion for u against the challenge its Session carries:
// one of u's credentials, the pool's relying party and an allowed origin, the challenge, the
// signature, user verification when the pool requires it, and a signature counter that moves
// forward (a counter at or below the stored one, unless both are zero, is a cloned
// authenticator or a replay). Anything wrong is ErrRefused.
func (k *Passkeys) VerifyAssertion(p *model.Pool, u *model.User, challenge string, parsed *protocol.ParsedCredentialAssertionData) (*Assertion, error) {
	rpID := RelyingPartyID(p)
	stored := u.Passkey(parsed.RawID)
	if rpID == "" || stored == nil || stored.RPID != rpID {
		return nil, ErrRefused
	}
	origin := parsed.Response.CollectedClientData.Origin
	if !OriginAllowed(rpID, origin) {
		return nil, ErrRefused
	}
	w, err := relyingParty(p, rpID, origin, time.Minute)
	if err != nil {
		return nil, msg.Internal(err)
	}
	who := toUser(u)
	var ids [][]byte
	for _, c := range who.creds {
		ids = append(ids, c.ID)
	}
	if _, err := w.ValidateLogin(who, webauthn.SessionData{Challenge: challenge, RelyingPartyID: rpID, UserID: who.id,
		AllowedCredentialIDs: ids, UserVerification: userVerification(p)}, parsed); err != nil {
		return nil, ErrRefused
	}
	count := parsed.Response.AuthenticatorData.Counter
	if !forward(stored.SignCount, count) {
		return nil, ErrRefused
	}
	id := bytes.Clone(parsed.RawID)
	return &Assertion{UserVerified: parsed.Response.AuthenticatorData.Flags.HasUserVerified(), Record: func(cur *model.User) error {
		c := cur.Passkey(id)
		if c == nil || !forward(c.SignCount, count) {
			return ErrRefused // deleted, or the counter moved meanwhile
		}
		c.SignCount = count
		return nil
	}}, nil
}

// forward: an authenticator that counts must count up; one that never counts stays at zero.
func forward(stored, got uint32) bool {
	return got > stored || (stored == 0 && got == 0)
}
