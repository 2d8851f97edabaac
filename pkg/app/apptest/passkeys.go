package apptest

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/descope/virtualwebauthn"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// Passkeys (issue 13 #5; cognito-protocol.md §2.7, §3.7): registration with
// StartWebAuthnRegistration / CompleteWebAuthnRegistration, the credentials listed and deleted,
// and USER_AUTH's WEB_AUTHN first factor, driven through the SDK by a software authenticator
// (descope/virtualwebauthn: ES256, packed self-attestation, assertions with a counter).
func runPasskeyTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("Passkeys", func(t *testing.T) { testPasskeys(t, Start(t, newTable)) })
	t.Run("PasskeyPoolConfig", func(t *testing.T) { testPasskeyPoolConfig(t, Start(t, newTable)) })
	t.Run("PasskeyMFA", func(t *testing.T) { testPasskeyMFA(t, Start(t, newTable)) })
}

const passkeyRP = "auth.example.com"

// passkeyUser is one user with a software authenticator holding one credential.
type passkeyUser struct {
	name   string
	access *string
	auth   virtualwebauthn.Authenticator
	cred   virtualwebauthn.Credential
}

// passkeyPool is a pool that allows PASSWORD and WEB_AUTHN, its relying party auth.example.com
// with user verification required, and a client for USER_AUTH that hides existence.
func passkeyPool(t *testing.T, e *Env) (fixture, string) {
	t.Helper()
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: toFactors([]string{"PASSWORD", "WEB_AUTHN"})}}
	})
	must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOff,
		WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String(passkeyRP), UserVerification: types.UserVerificationTypeRequired}}))(t)
	c := must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("choice"),
		ExplicitAuthFlows:          []types.ExplicitAuthFlowsType{"ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled}))(t)
	return f, aws.ToString(c.UserPoolClient.ClientId)
}

// docJSON is a document the SDK returned, as JSON.
func docJSON(t *testing.T, d document.Interface) string {
	t.Helper()
	var v any
	if err := d.UnmarshalSmithyDocument(&v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// asDoc is a JSON text as the document the SDK sends.
func asDoc(t *testing.T, s string) document.Interface {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return document.NewLazyDocument(v)
}

// startRegistration asks for creation options and parses them as the authenticator does.
func startRegistration(t *testing.T, e *Env, access *string) (string, *virtualwebauthn.AttestationOptions) {
	t.Helper()
	out := must(e.Client.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: access}))(t)
	raw := docJSON(t, out.CredentialCreationOptions)
	opts, err := virtualwebauthn.ParseAttestationOptions(raw)
	if err != nil {
		t.Fatalf("creation options %s: %v", raw, err)
	}
	return raw, opts
}

func testPasskeys(t *testing.T, e *Env) {
	f, choice := passkeyPool(t, e)
	rp := virtualwebauthn.RelyingParty{ID: passkeyRP, Name: "test-pool", Origin: "https://" + passkeyRP}
	users := map[string]*passkeyUser{}
	for _, name := range []string{"kim", "lee"} {
		tokens := f.confirmedUser(t, name, name+"@example.com")
		users[name] = &passkeyUser{name: name, access: tokens.AccessToken, cred: newPasskeyCredential()}
	}
	kim, lee := users["kim"], users["lee"]

	initiate := func(t *testing.T, user, preferred string) *cip.InitiateAuthOutput {
		t.Helper()
		params := map[string]string{"USERNAME": user}
		if preferred != "" {
			params["PREFERRED_CHALLENGE"] = preferred
		}
		return must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(choice), AuthFlow: types.AuthFlowTypeUserAuth, AuthParameters: params}))(t)
	}
	respond := func(challenge types.ChallengeNameType, session *string, resp map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		return e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(choice), ChallengeName: challenge,
			Session: session, ChallengeResponses: resp})
	}
	// assert answers a WEB_AUTHN challenge's options with u's authenticator, from rp, its
	// counter moved on first.
	assert := func(t *testing.T, u *passkeyUser, out *cip.InitiateAuthOutput, from virtualwebauthn.RelyingParty) string {
		t.Helper()
		opts, err := virtualwebauthn.ParseAssertionOptions(out.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"])
		if err != nil {
			t.Fatalf("request options %q: %v", out.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], err)
		}
		u.cred.Counter++
		return virtualwebauthn.CreateAssertionResponse(from, u.auth, u.cred, *opts)
	}

	t.Run("register", func(t *testing.T) {
		for _, u := range []*passkeyUser{kim, lee} {
			raw, opts := startRegistration(t, e, u.access)
			var creation struct {
				RP                     struct{ ID string }
				User                   struct{ ID, Name string }
				AuthenticatorSelection struct{ UserVerification, ResidentKey string }
				PubKeyCredParams       []struct{ Alg any }
				ExcludeCredentials     []struct{ ID string }
			}
			if err := json.Unmarshal([]byte(raw), &creation); err != nil {
				t.Fatal(err)
			}
			gu := must(e.Client.GetUser(ctx, &cip.GetUserInput{AccessToken: u.access}))(t)
			sub := ""
			for _, a := range gu.UserAttributes {
				if aws.ToString(a.Name) == "sub" {
					sub = aws.ToString(a.Value)
				}
			}
			if creation.RP.ID != passkeyRP || opts.UserID != sub || creation.User.Name != u.name+"@example.com" ||
				creation.AuthenticatorSelection.UserVerification != "required" || creation.AuthenticatorSelection.ResidentKey != "required" ||
				len(creation.PubKeyCredParams) == 0 || len(creation.ExcludeCredentials) != 0 {
				t.Fatalf("creation options: %s", raw)
			}
			u.auth = virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(sub)})
			complete := func(att string) error {
				_, err := e.Client.CompleteWebAuthnRegistration(ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: u.access, Credential: asDoc(t, att)})
				return err
			}
			if u == kim {
				// Refused, each leaving the registration to be completed.
				err := complete(virtualwebauthn.CreateAttestationResponse(virtualwebauthn.RelyingParty{ID: passkeyRP, Name: "x", Origin: "https://evil.example.net"}, u.auth, u.cred, *opts))
				wantErr(t, err, "WebAuthnOriginNotAllowedException", "")
				err = complete(virtualwebauthn.CreateAttestationResponse(virtualwebauthn.RelyingParty{ID: "example.org", Name: "x", Origin: "https://" + passkeyRP}, u.auth, u.cred, *opts))
				wantErr(t, err, "WebAuthnRelyingPartyMismatchException", "")
				other := *opts
				other.Challenge = []byte("0123456789abcdef0123456789abcdef")
				err = complete(virtualwebauthn.CreateAttestationResponse(rp, u.auth, u.cred, other))
				wantErr(t, err, "WebAuthnChallengeNotFoundException", "")
				// The access token of another client of the pool.
				viaChoice := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(choice), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
					AuthParameters: map[string]string{"USERNAME": "kim", "PASSWORD": strongPassword}}))(t)
				_, err = e.Client.CompleteWebAuthnRegistration(ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: viaChoice.AuthenticationResult.AccessToken,
					Credential: asDoc(t, virtualwebauthn.CreateAttestationResponse(rp, u.auth, u.cred, *opts))})
				wantErr(t, err, "WebAuthnClientMismatchException", "")
			}
			att := virtualwebauthn.CreateAttestationResponse(rp, u.auth, u.cred, *opts)
			if err := complete(att); err != nil {
				t.Fatal(err)
			}
			u.auth.AddCredential(u.cred)
			wantErr(t, complete(att), "WebAuthnChallengeNotFoundException", "")
		}
		// A second registration excludes the credential the user has.
		raw, _ := startRegistration(t, e, kim.access)
		if want := base64.RawURLEncoding.EncodeToString(kim.cred.ID); !containsJSON(raw, want) {
			t.Fatalf("excludeCredentials lacks the registered credential: %s", raw)
		}

		list := must(e.Client.ListWebAuthnCredentials(ctx, &cip.ListWebAuthnCredentialsInput{AccessToken: kim.access}))(t)
		if len(list.Credentials) != 1 || list.NextToken != nil {
			t.Fatalf("ListWebAuthnCredentials: %+v", list)
		}
		c := list.Credentials[0]
		if aws.ToString(c.CredentialId) != base64.RawURLEncoding.EncodeToString(kim.cred.ID) || aws.ToString(c.RelyingPartyId) != passkeyRP ||
			aws.ToString(c.FriendlyCredentialName) == "" || c.CreatedAt == nil || c.AuthenticatorTransports == nil {
			t.Fatalf("the credential listed: %+v", c)
		}
	})

	t.Run("sign in with PREFERRED_CHALLENGE WEB_AUTHN; the challenge answers once", func(t *testing.T) {
		out := initiate(t, "kim", "WEB_AUTHN")
		var req struct {
			RPID             string `json:"rpId"`
			UserVerification string
			AllowCredentials []struct{ ID string }
			Challenge        string
		}
		if out.ChallengeName != types.ChallengeNameTypeWebAuthn || json.Unmarshal([]byte(out.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]), &req) != nil ||
			req.RPID != passkeyRP || req.UserVerification != "required" || len(req.AllowCredentials) != 1 || req.Challenge == "" ||
			req.AllowCredentials[0].ID != base64.RawURLEncoding.EncodeToString(kim.cred.ID) {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		cred := assert(t, kim, out, rp)
		res := must(respond(types.ChallengeNameTypeWebAuthn, out.Session, map[string]string{"USERNAME": "kim", "CREDENTIAL": cred}))(t)
		if res.AuthenticationResult == nil || res.AuthenticationResult.AccessToken == nil || res.AuthenticationResult.RefreshToken == nil {
			t.Fatalf("answered %+v", res)
		}
		if claims(t, *res.AuthenticationResult.AccessToken)["username"] != "kim" {
			t.Fatal("tokens for someone else")
		}
		_, err := respond(types.ChallengeNameTypeWebAuthn, out.Session, map[string]string{"USERNAME": "kim", "CREDENTIAL": cred})
		wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	})

	t.Run("sign in through SELECT_CHALLENGE", func(t *testing.T) {
		out := initiate(t, "kim", "")
		if out.ChallengeName != types.ChallengeNameTypeSelectChallenge || !slices.Contains(out.AvailableChallenges, types.ChallengeNameTypeWebAuthn) ||
			!slices.Contains(out.AvailableChallenges, types.ChallengeNameTypePassword) {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		ch := must(respond(types.ChallengeNameTypeSelectChallenge, out.Session, map[string]string{"USERNAME": "kim", "ANSWER": "WEB_AUTHN"}))(t)
		if ch.ChallengeName != types.ChallengeNameTypeWebAuthn || ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"] == "" {
			t.Fatalf("after choosing: %+v", ch)
		}
		posed := &cip.InitiateAuthOutput{ChallengeParameters: ch.ChallengeParameters}
		res := must(respond(types.ChallengeNameTypeSelectChallenge, ch.Session,
			map[string]string{"USERNAME": "kim", "ANSWER": "WEB_AUTHN", "CREDENTIAL": assert(t, kim, posed, rp)}))(t)
		if res.AuthenticationResult == nil {
			t.Fatalf("answered %+v", res)
		}
	})

	t.Run("refused", func(t *testing.T) {
		// The counter of kim's last sign-in, and an assertion signed for an earlier challenge,
		// kept to replay.
		last := kim.cred.Counter
		old := initiate(t, "kim", "WEB_AUTHN")
		replay := assert(t, kim, old, rp)
		for _, tc := range []struct {
			name   string
			answer func(t *testing.T, out *cip.InitiateAuthOutput) string
		}{
			{"a wrong origin", func(t *testing.T, out *cip.InitiateAuthOutput) string {
				return assert(t, kim, out, virtualwebauthn.RelyingParty{ID: passkeyRP, Origin: "https://auth.example.com.evil.net"})
			}},
			{"a replayed assertion", func(t *testing.T, _ *cip.InitiateAuthOutput) string { return replay }},
			{"the sign count of the last sign-in again (a cloned authenticator)", func(t *testing.T, out *cip.InitiateAuthOutput) string {
				opts, err := virtualwebauthn.ParseAssertionOptions(out.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"])
				if err != nil {
					t.Fatal(err)
				}
				clone := kim.cred
				clone.Counter = last
				return virtualwebauthn.CreateAssertionResponse(rp, kim.auth, clone, *opts)
			}},
			{"a credential of another user", func(t *testing.T, out *cip.InitiateAuthOutput) string {
				opts, err := virtualwebauthn.ParseAssertionOptions(out.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"])
				if err != nil {
					t.Fatal(err)
				}
				lee.cred.Counter++
				return virtualwebauthn.CreateAssertionResponse(rp, lee.auth, lee.cred, *opts)
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out := initiate(t, "kim", "WEB_AUTHN")
				_, err := respond(types.ChallengeNameTypeWebAuthn, out.Session, map[string]string{"USERNAME": "kim", "CREDENTIAL": tc.answer(t, out)})
				wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
			})
		}
		// Without user verification, where the pool requires it (lee's own challenge).
		out := initiate(t, "lee", "WEB_AUTHN")
		unverified := lee.auth
		unverified.Options.UserNotVerified = true
		opts, err := virtualwebauthn.ParseAssertionOptions(out.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"])
		if err != nil {
			t.Fatal(err)
		}
		lee.cred.Counter++
		_, err = respond(types.ChallengeNameTypeWebAuthn, out.Session, map[string]string{"USERNAME": "lee", "CREDENTIAL": virtualwebauthn.CreateAssertionResponse(rp, unverified, lee.cred, *opts)})
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
		_, err = respond(types.ChallengeNameTypeWebAuthn, out.Session, map[string]string{"USERNAME": "lee", "CREDENTIAL": "{not json"})
		wantErr(t, err, "InvalidParameterException", "")
		// The right answer still signs lee in on the same challenge.
		lee.cred.Counter++
		if r := must(respond(types.ChallengeNameTypeWebAuthn, out.Session, map[string]string{"USERNAME": "lee",
			"CREDENTIAL": virtualwebauthn.CreateAssertionResponse(rp, lee.auth, lee.cred, *opts)}))(t); r.AuthenticationResult == nil {
			t.Fatalf("answered %+v", r)
		}
	})

	t.Run("an unknown name gets a challenge no credential answers", func(t *testing.T) {
		out := initiate(t, "nobody", "WEB_AUTHN")
		var req struct{ AllowCredentials []struct{ ID string } }
		if out.ChallengeName != types.ChallengeNameTypeWebAuthn || json.Unmarshal([]byte(out.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"]), &req) != nil ||
			len(req.AllowCredentials) != 1 {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		_, err := respond(types.ChallengeNameTypeWebAuthn, out.Session, map[string]string{"USERNAME": "nobody", "CREDENTIAL": assert(t, kim, out, rp)})
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	})

	t.Run("deleted, the passkey is no longer offered", func(t *testing.T) {
		id := base64.RawURLEncoding.EncodeToString(kim.cred.ID)
		must(e.Client.DeleteWebAuthnCredential(ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: kim.access, CredentialId: aws.String(id)}))(t)
		_, err := e.Client.DeleteWebAuthnCredential(ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: kim.access, CredentialId: aws.String(id)})
		wantErr(t, err, "ResourceNotFoundException", "")
		if list := must(e.Client.ListWebAuthnCredentials(ctx, &cip.ListWebAuthnCredentialsInput{AccessToken: kim.access}))(t); len(list.Credentials) != 0 {
			t.Fatalf("listed after deletion: %+v", list.Credentials)
		}
		out := initiate(t, "kim", "WEB_AUTHN")
		if out.ChallengeName != types.ChallengeNameTypeSelectChallenge || slices.Contains(out.AvailableChallenges, types.ChallengeNameTypeWebAuthn) {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
	})
}

// containsJSON tells whether a JSON text holds the string s as a value somewhere.
func containsJSON(doc, s string) bool {
	b, _ := json.Marshal(s)
	return strings.Contains(doc, string(b))
}

// testPasskeyPoolConfig: a pool must allow WEB_AUTHN and have a relying party id.
func testPasskeyPoolConfig(t *testing.T, e *Env) {
	for _, tc := range []struct {
		name    string
		factors []string
		rpID    string
		want    string
	}{
		{"WEB_AUTHN not allowed", []string{"PASSWORD"}, passkeyRP, "WebAuthnNotEnabledException"},
		{"no relying party id", []string{"PASSWORD", "WEB_AUTHN"}, "", "WebAuthnConfigurationMissingException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
				in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: toFactors(tc.factors)}}
			})
			if tc.rpID != "" {
				must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID),
					WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String(tc.rpID)}}))(t)
			}
			tokens := f.confirmedUser(t, "ana", "ana@example.com")
			_, err := e.Client.StartWebAuthnRegistration(ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: tokens.AccessToken})
			wantErr(t, err, tc.want, "")
		})
	}
}

// Passkey MFA (WebAuthnMfaSettings, and the pool's FactorConfiguration): a passkey sign-in is
// followed by MFA until the user turns passkey MFA on (after another MFA method); then a passkey
// sign-in that verified the user stands for MFA. MULTI_FACTOR_WITH_USER_VERIFICATION does the
// same for every user of the pool.
func testPasskeyMFA(t *testing.T, e *Env) {
	f, choice := passkeyPool(t, e)
	must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		WebAuthnConfiguration:         &types.WebAuthnConfigurationType{RelyingPartyId: aws.String(passkeyRP), UserVerification: types.UserVerificationTypeRequired}}))(t)
	rp := virtualwebauthn.RelyingParty{ID: passkeyRP, Name: "test-pool", Origin: "https://" + passkeyRP}
	tokens := f.confirmedUser(t, "max", "max@example.com")
	u := &passkeyUser{name: "max", access: tokens.AccessToken, cred: newPasskeyCredential()}
	gu := must(e.Client.GetUser(ctx, &cip.GetUserInput{AccessToken: u.access}))(t)
	sub := attrValue(gu.UserAttributes, "sub")
	_, opts := startRegistration(t, e, u.access)
	u.auth = virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(sub)})
	must(e.Client.CompleteWebAuthnRegistration(ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: u.access,
		Credential: asDoc(t, virtualwebauthn.CreateAttestationResponse(rp, u.auth, u.cred, *opts))}))(t)
	u.auth.AddCredential(u.cred)

	passkeyMFA := func(on bool) error {
		_, err := e.Client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: u.access,
			WebAuthnMfaSettings: &types.WebAuthnMfaSettingsType{Enabled: on}})
		return err
	}
	wantErr(t, passkeyMFA(true), "InvalidParameterException", "Passkey MFA needs another MFA method (SMS, TOTP or email) turned on first.")
	assoc := must(e.Client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: u.access}))(t)
	must(e.Client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: u.access, UserCode: aws.String(totpCode(t, e, aws.ToString(assoc.SecretCode), 0))}))(t)
	must(e.Client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: u.access,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}))(t)

	signIn := func(t *testing.T) *cip.RespondToAuthChallengeOutput {
		t.Helper()
		e.Clock.Advance(time.Minute)
		out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(choice), AuthFlow: types.AuthFlowTypeUserAuth,
			AuthParameters: map[string]string{"USERNAME": "max", "PREFERRED_CHALLENGE": "WEB_AUTHN"}}))(t)
		if out.ChallengeName != types.ChallengeNameTypeWebAuthn {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		ao, err := virtualwebauthn.ParseAssertionOptions(out.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"])
		if err != nil {
			t.Fatal(err)
		}
		u.cred.Counter++
		return must(e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(choice), ChallengeName: types.ChallengeNameTypeWebAuthn,
			Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": "max", "CREDENTIAL": virtualwebauthn.CreateAssertionResponse(rp, u.auth, u.cred, *ao)}}))(t)
	}
	if r := signIn(t); r.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("a passkey with passkey MFA off: %+v", r)
	}
	if err := passkeyMFA(true); err != nil {
		t.Fatal(err)
	}
	if r := signIn(t); r.AuthenticationResult == nil {
		t.Fatalf("a passkey with passkey MFA on: %+v", r)
	}
	if err := passkeyMFA(false); err != nil {
		t.Fatal(err)
	}
	if r := signIn(t); r.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("passkey MFA off again: %+v", r)
	}
	// The pool's MULTI_FACTOR_WITH_USER_VERIFICATION: for every user.
	must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String(passkeyRP), UserVerification: types.UserVerificationTypeRequired,
			FactorConfiguration: types.WebAuthnFactorConfigurationTypeMultiFactorWithUserVerification}}))(t)
	if r := signIn(t); r.AuthenticationResult == nil {
		t.Fatalf("a passkey under MULTI_FACTOR_WITH_USER_VERIFICATION: %+v", r)
	}
}

// newPasskeyCredential is a software credential whose EC2 public key carries both coordinates at
// their full 32 bytes. virtualwebauthn writes them with big.Int.Bytes, so about one key in 120
// has a short coordinate, which go-webauthn rightly refuses ("EC2 key x or y coordinate has
// invalid length"): a test drawing such a key would fail at random.
func newPasskeyCredential() virtualwebauthn.Credential {
	const fullLength = 77 // the COSE key's CBOR with 32-byte x and y
	for {
		if c := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2); len(c.Key.AttestationData()) == fullLength {
			return c
		}
	}
}
