package api

import (
	"encoding/json"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// ---- passkeys (WebAuthn) ----

type StartWebAuthnRegistrationInput struct {
	AccessToken string `cognito:"required,pattern=token,sensitive"`
}

// StartWebAuthnRegistrationOutput carries the PublicKeyCredentialCreationOptionsJSON document.
type StartWebAuthnRegistrationOutput struct {
	CredentialCreationOptions json.RawMessage
}

type CompleteWebAuthnRegistrationInput struct {
	AccessToken string `cognito:"required,pattern=token,sensitive"`
	// Credential is the RegistrationResponseJSON document.
	Credential json.RawMessage `cognito:"required"`
}

type CompleteWebAuthnRegistrationOutput struct{}

type ListWebAuthnCredentialsInput struct {
	AccessToken string `cognito:"required,pattern=token,sensitive"`
	NextToken   string `json:",omitempty" cognito:"min=1,max=131072"`
	MaxResults  *int32 `json:",omitempty" cognito:"minval=0,maxval=20"`
}

type ListWebAuthnCredentialsOutput struct {
	Credentials []WebAuthnCredentialDescription
	NextToken   string `json:",omitempty"`
}

type WebAuthnCredentialDescription struct {
	CredentialId            string
	FriendlyCredentialName  string
	RelyingPartyId          string
	AuthenticatorAttachment string `json:",omitempty"`
	AuthenticatorTransports []string
	CreatedAt               *cognito.Time
}

type DeleteWebAuthnCredentialInput struct {
	AccessToken  string `cognito:"required,pattern=token,sensitive"`
	CredentialId string `cognito:"required,min=1,max=1024"`
}

type DeleteWebAuthnCredentialOutput struct{}
