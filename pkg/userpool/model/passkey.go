package model

import (
	"bytes"
	"slices"
	"time"
)

// FactorWebAuthn is the passkey sign-in factor: in AllowedFirstAuthFactors, AvailableChallenges
// and as a ChallengeName.
const FactorWebAuthn = "WEB_AUTHN"

// MaxPasskeys is how many passkeys one user may register (Cognito's quota).
const MaxPasskeys = 20

// PasskeysRecord is a user's passkeys (WebAuthn credentials), stored in the user's record: a
// credential lives and dies with the user it was registered to, and its sign count moves in the
// transaction that completes a sign-in with it.
type PasskeysRecord struct {
	Credentials []PasskeyRecord `json:"c,omitempty"`
	// Pending is the registration StartWebAuthnRegistration began: its challenge is answered
	// once, by CompleteWebAuthnRegistration, before it expires.
	Pending *PasskeyPending `json:"p,omitempty"`
}

// PasskeyRecord is one registered credential: what verifies its assertions (the COSE public
// key), the newest signature counter seen, and what ListWebAuthnCredentials shows.
type PasskeyRecord struct {
	ID         []byte    `json:"id"`
	PublicKey  []byte    `json:"pk"`
	SignCount  uint32    `json:"sc,omitempty"`
	AAGUID     []byte    `json:"ag,omitempty"`
	Format     string    `json:"fmt,omitempty"` // attestation statement format ("none", "packed", …)
	Transports []string  `json:"tr,omitempty"`
	Attachment string    `json:"att,omitempty"` // platform | cross-platform
	RPID       string    `json:"rp"`
	Name       string    `json:"n"`
	Created    time.Time `json:"t"`
	// UV: the registration verified the user; BE: the credential may be backed up (synced).
	UV bool `json:"uv,omitempty"`
	BE bool `json:"be,omitempty"`
}

// PasskeyPending is a registration begun and not completed: the challenge, the client whose
// access token began it, the relying party and the user verification it asked for.
type PasskeyPending struct {
	Challenge        string    `json:"ch"`
	ClientID         string    `json:"cl"`
	RPID             string    `json:"rp"`
	UserVerification string    `json:"uv"`
	Expires          time.Time `json:"e"`
}

// Passkeys are the user's registered credentials (none when nil).
func (u *UserRecord) Passkeys() []PasskeyRecord {
	if u.WebAuthn == nil {
		return nil
	}
	return u.WebAuthn.Credentials
}

// Passkey finds the user's credential id; nil when the user has none of that id.
func (u *UserRecord) Passkey(id []byte) *PasskeyRecord {
	if u.WebAuthn == nil {
		return nil
	}
	for i := range u.WebAuthn.Credentials {
		if bytes.Equal(u.WebAuthn.Credentials[i].ID, id) {
			return &u.WebAuthn.Credentials[i]
		}
	}
	return nil
}

func (r *PasskeysRecord) clone() *PasskeysRecord {
	if r == nil {
		return nil
	}
	c := &PasskeysRecord{}
	for _, k := range r.Credentials {
		k.ID, k.PublicKey, k.AAGUID = bytes.Clone(k.ID), bytes.Clone(k.PublicKey), bytes.Clone(k.AAGUID)
		k.Transports = slices.Clone(k.Transports)
		c.Credentials = append(c.Credentials, k)
	}
	if r.Pending != nil {
		p := *r.Pending
		c.Pending = &p
	}
	return c
}
