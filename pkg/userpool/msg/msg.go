package msg

import "github.com/cognatehq/cognate/pkg/cognito"

// Call sites decide with errors.Is: against a cognito.ErrXxx sentinel for a whole shape, or
// against a fresh value from one of these for one message (errors.Is(err, msg.InvalidSession())).

// Internal wraps an unexpected failure: the caller sees a generic 500, the log keeps the cause.
// A protocol error passes through as it is, so no *cognito.Error is ever another's cause.
func Internal(err error) error {
	if err == nil {
		return nil
	}
	if ce := cognito.As(err); ce != nil {
		return ce
	}
	return cognito.Internal(err)
}

// ---- pools, clients, users, groups, devices ----

func PoolNotFound(id string) error {
	return cognito.ResourceNotFound("User pool %s does not exist.", id)
}

func ClientNotFound(id string) error {
	return cognito.ResourceNotFound("User pool client %s does not exist.", id)
}

func UserNotFound() error { return cognito.UserNotFound("User does not exist.") }

// UnknownUsernameClient is the public operations' answer for a user who does not exist (or,
// with existence errors hidden, the answer it is disguised as).
func UnknownUsernameClient() error {
	return cognito.UserNotFound("Username/client id combination not found.")
}

func GroupNotFound() error { return cognito.ResourceNotFound("Group not found.") }

func DeviceNotFound() error { return cognito.ResourceNotFound("Device does not exist.") }

func TrackingOff() error {
	return cognito.InvalidUserPoolConfiguration("Device tracking is not enabled for this user pool.")
}

func InvalidPageToken() error { return cognito.InvalidParameter("Invalid pagination token.") }

func InvalidTokenValidity() error {
	return cognito.InvalidParameter("Invalid range for token validity.")
}

// ---- account state ----

func UserDisabled() error { return cognito.NotAuthorized("User is disabled.") }

func UserNotConfirmed() error { return cognito.UserNotConfirmed("User is not confirmed.") }

func CannotConfirm(status string) error {
	return cognito.NotAuthorized("User cannot be confirmed. Current status is %s", status)
}

func CannotReset() error {
	return cognito.NotAuthorized("User password cannot be reset in the current state.")
}

func NoRecoveryChannel() error {
	return cognito.InvalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
}

// ---- attributes ----

func NotInSchema(name string) error {
	return cognito.InvalidParameter("Attributes did not conform to the schema: %s: Attribute does not exist in the schema.\n", name)
}

func ImmutableAttribute(name string) error {
	return cognito.InvalidParameter("Attributes did not conform to the schema: %s: Attribute cannot be updated. (changing an immutable attribute)\n", name)
}

func UnauthorizedAttribute() error {
	return cognito.NotAuthorized("A client attempted to write unauthorized attribute")
}

func AliasExists(kind string) error {
	if kind == "phone_number" {
		return cognito.AliasExists("An account with the phone_number already exists.")
	}
	return cognito.AliasExists("An account with the %s already exists.", kind)
}

// ---- codes and limits ----

func CodeExpired() error {
	return cognito.ExpiredCode("Invalid code provided, please request a code again.")
}

func CodeMismatch() error {
	return cognito.CodeMismatch("Invalid verification code provided, please try again.")
}

// SoftwareTokenNotFound: no software token to verify or sign in with.
func SoftwareTokenNotFound() error {
	return cognito.SoftwareTokenMFANotFound("Software Token MFA has not been enabled by the user.")
}

// SoftwareTokenMismatch: VerifySoftwareToken with a wrong code.
func SoftwareTokenMismatch() error {
	return cognito.EnableSoftwareTokenMFA("Code mismatch and fail enable Software Token MFA")
}

// InvalidChallengeAnswer: SELECT_MFA_TYPE answered with a factor not offered.
func InvalidChallengeAnswer(answer string) error {
	return cognito.InvalidParameter("Invalid challenge answer %q: not one of MFAS_CAN_CHOOSE.", answer)
}

// OTPMismatch: a wrong, spent or expired SMS or email code at sign-in.
func OTPMismatch() error { return cognito.CodeMismatch("Invalid code or auth state for the user.") }

// MFACodeMismatch: a wrong (or spent) MFA code at sign-in.
func MFACodeMismatch() error { return cognito.CodeMismatch("Invalid code received for user") }

func NotVerifiable() error {
	return cognito.InvalidParameter("Invalid attribute name. Only email and phone_number can be verified.")
}

func AutoVerifyOff() error { return cognito.InvalidParameter("Auto verification not turned on.") }

func LimitExceeded() error {
	return cognito.LimitExceeded("Attempt limit exceeded, please try after some time.")
}

func RateExceeded() error { return cognito.TooManyRequests("Rate exceeded") }

// ---- sign-in ----

func Incorrect() error { return cognito.NotAuthorized("Incorrect username or password.") }

// AttemptsExceeded is the lockout's answer; a sign-in that hides existence matches it (errors.Is)
// to answer as an unknown user would.
func AttemptsExceeded() error { return cognito.NotAuthorized("Password attempts exceeded") }

// MissingScope is the answer for an access token without the scope an operation needs (the
// user API's aws.cognito.signin.user.admin, userInfo's openid); matched with errors.Is.
func MissingScope() error { return cognito.NotAuthorized("Access Token does not have required scopes") }

// InvalidSession is the answer for a Session that cannot be used (unknown, expired, spent); the
// sign-in matches it (errors.Is) to take back an attempt that no verdict reached.
func InvalidSession() error {
	return cognito.NotAuthorized("Invalid session for the user, session is expired.")
}

// FeatureUnavailableInTier: the pool's UserPoolTier does not have what was asked for.
func FeatureUnavailableInTier(feature string) error {
	return cognito.FeatureUnavailableInTier("%s is not available in the LITE tier: set UserPoolTier to ESSENTIALS or PLUS.", feature)
}

// InvalidEmail: an email address that is not one.
func InvalidEmail() error { return cognito.InvalidParameter("Invalid email address format.") }

// MissingAccessTokenOrSession: the software-token operations take one or the other.
func MissingAccessTokenOrSession() error {
	return cognito.InvalidParameter("Either AccessToken or Session must be present.")
}

// NotImplementedYet: a part of Cognito's API that Cognate does not carry out yet; refused, never
// ignored.
func NotImplementedYet(what string) error {
	return cognito.UnsupportedOperation("%s is not implemented by Cognate yet.", what)
}

func MissingParam(name string) error {
	return cognito.InvalidParameter("Missing required parameter %s", name)
}

func MissingAttribute(name string) error {
	return cognito.InvalidParameter("Invalid attributes given, %s is missing", name)
}

func FlowNotSupported() error {
	return cognito.InvalidParameter("Initiate Auth method not supported.")
}

func ChallengeNotImplemented(name string) error {
	return cognito.UnsupportedOperation("Challenge %s is not implemented by Cognate yet.", name)
}

func SecretHashMismatch(clientID string) error {
	return cognito.NotAuthorized("Unable to verify secret hash for client %s", clientID)
}

// ---- tokens ----

func InvalidRefreshToken() error { return cognito.NotAuthorized("Invalid Refresh Token") }

func RefreshTokenRevoked() error { return cognito.NotAuthorized("Refresh Token has been revoked") }

// InvalidLambdaResponse is a trigger's answer the service cannot use, with what was wrong.
func InvalidLambdaResponse(detail string) error {
	return cognito.InvalidLambdaResponse("Invalid lambda response: %s", detail)
}

// ---- passkeys (WebAuthn) ----

func WebAuthnNotEnabled() error {
	return cognito.WebAuthnNotEnabled("Passkey sign-in (WEB_AUTHN) is not enabled for this user pool.")
}

func WebAuthnConfigurationMissing() error {
	return cognito.WebAuthnConfigurationMissing("The user pool has no relying party id: set WebAuthnConfiguration.RelyingPartyId or a user pool domain.")
}

func WebAuthnChallengeNotFound() error {
	return cognito.WebAuthnChallengeNotFound("The passkey registration challenge was not found or has expired.")
}

func WebAuthnClientMismatch() error {
	return cognito.WebAuthnClientMismatch("The access token is for a different client than the one that started the passkey registration.")
}

func WebAuthnOriginNotAllowed(origin string) error {
	return cognito.WebAuthnOriginNotAllowed("The origin %q is not allowed for the user pool's relying party id.", origin)
}

func WebAuthnRelyingPartyMismatch() error {
	return cognito.WebAuthnRelyingPartyMismatch("The passkey credential is for a different relying party than the user pool's.")
}

func WebAuthnCredentialNotSupported() error {
	return cognito.WebAuthnCredentialNotSupported("The passkey credential is not supported.")
}

func InvalidWebAuthnCredential(detail string) error {
	return cognito.InvalidParameter("Invalid passkey credential: %s", detail)
}

func PasskeyNotFound() error {
	return cognito.ResourceNotFound("Passkey credential not found.")
}

func TooManyPasskeys(max int) error {
	return cognito.LimitExceeded("The user has the most passkeys allowed (%d).", max)
}

// ---- OAuth configuration: domains, resource servers, client OAuth settings ----

// InvalidRedirectURL: a callback or logout URL that is not an absolute URL.
func InvalidRedirectURL(u string) error {
	return cognito.InvalidParameter("%s is not a valid URL: callback and logout URLs must be absolute.", u)
}

// DomainNotFound: DeleteUserPoolDomain or UpdateUserPoolDomain named a domain the pool does not have.
func DomainNotFound() error {
	return cognito.InvalidParameter("No such domain or user pool exists.")
}

// ResourceServerNotFound: no resource server of that identifier in the pool.
func ResourceServerNotFound(id string) error {
	return cognito.ResourceNotFound("Resource server %s does not exist.", id)
}

// DomainChanged: a domain changed under an update more often than it was retried.
func DomainChanged() error {
	return cognito.ConcurrentModification("The domain was changed by another request; try again.")
}

// ResourceServerChanged: a resource server changed under an update more often than it was retried.
func ResourceServerChanged() error {
	return cognito.ConcurrentModification("The resource server was changed by another request; try again.")
}

// ---- branding (classic hosted UI and managed login) ----

func BrandingNotFound() error {
	return cognito.ResourceNotFound("Managed login branding does not exist.")
}

func BrandingExists(client string) error {
	return cognito.ManagedLoginBrandingExists("A managed login branding style already exists for client %s.", client)
}

func ImageTooLarge(max int) error {
	return cognito.InvalidParameter("ImageFile is larger than %d bytes.", max)
}

func ImageNotPNGOrJPEG() error {
	return cognito.InvalidParameter("ImageFile must be a PNG or JPEG image.")
}

func CSSTooLarge(max int) error {
	return cognito.InvalidParameter("CSS is longer than %d characters.", max)
}

func CSSInvalid(why string) error {
	return cognito.InvalidParameter("CSS is invalid: %s.", why)
}

func BrandingValuesConflict() error {
	return cognito.InvalidParameter("Settings and Assets cannot be given when UseCognitoProvidedValues is true.")
}

func BrandingSettingsInvalid() error {
	return cognito.InvalidParameter("Settings must be a JSON object.")
}

func AssetInvalid(i int, why string) error {
	return cognito.InvalidParameter("Assets[%d]: %s.", i, why)
}

func AssetDuplicate(category, mode string) error {
	return cognito.InvalidParameter("Assets has more than one %s asset for color mode %s.", category, mode)
}

func AssetsTooLarge(max int) error {
	return cognito.InvalidParameter("The assets of a branding style may hold at most %d bytes together.", max)
}
