package cognito

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a Cognito protocol error: the shape name that clients switch on (`__type`), the
// message they show, and the HTTP status. Every value is fresh (built by a constructor below),
// so decorating one never changes another. Cause is logged, never rendered.
type Error struct {
	Type    string
	Message string
	Status  int
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Type + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Type + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Is lets errors.Is match err against the catalogue (see "Matching errors" in the package doc):
// a Kind matches every error of its shape, whatever the message; a *Error matches its shape, and
// its message too unless that is empty.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Kind:
		return t.typ == e.Type
	case *Error:
		return t.Type == e.Type && (t.Message == "" || t.Message == e.Message)
	}
	return false
}

// WithCause returns a copy carrying the internal cause.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// As extracts a *Error from err, or nil.
func As(err error) *Error {
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}

// Kind is one shape of the catalogue as a value to match with: errors.Is(err,
// cognito.ErrResourceNotFound) holds for every ResourceNotFoundException, however fresh and
// whatever its message. A Kind is never a response: returned as an error, it renders as the
// generic InternalErrorException.
type Kind struct {
	typ    string
	status int
}

// Type is the shape's name, as __type carries it.
func (k Kind) Type() string { return k.typ }

func (k Kind) Error() string { return k.typ }

// newf builds a fresh error of shape k.
func (k Kind) newf(format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Type: k.typ, Message: msg, Status: k.status}
}

// shape returns a client error's constructor and its sentinel, from the one spelling of its name.
func shape(typ string) (func(format string, args ...any) *Error, Kind) {
	k := Kind{typ, http.StatusBadRequest}
	return k.newf, k
}

// The catalogue. Each constructor takes a message (printf-style); the names are Cognito's shapes.
// Beside each constructor, the sentinel errors.Is matches its shape with.
var (
	AliasExists, ErrAliasExists                                       = shape("AliasExistsException")
	CodeDeliveryFailure, ErrCodeDeliveryFailure                       = shape("CodeDeliveryFailureException")
	CodeMismatch, ErrCodeMismatch                                     = shape("CodeMismatchException")
	ConcurrentModification, ErrConcurrentModification                 = shape("ConcurrentModificationException")
	DeviceKeyExists, ErrDeviceKeyExists                               = shape("DeviceKeyExistsException")
	EnableSoftwareTokenMFA, ErrEnableSoftwareTokenMFA                 = shape("EnableSoftwareTokenMFAException")
	ExpiredCode, ErrExpiredCode                                       = shape("ExpiredCodeException")
	FeatureUnavailableInTier, ErrFeatureUnavailableInTier             = shape("FeatureUnavailableInTierException")
	GroupExists, ErrGroupExists                                       = shape("GroupExistsException")
	InvalidLambdaResponse, ErrInvalidLambdaResponse                   = shape("InvalidLambdaResponseException")
	InvalidOAuthFlow, ErrInvalidOAuthFlow                             = shape("InvalidOAuthFlowException")
	InvalidParameter, ErrInvalidParameter                             = shape("InvalidParameterException")
	InvalidPassword, ErrInvalidPassword                               = shape("InvalidPasswordException")
	InvalidUserPoolConfiguration, ErrInvalidUserPoolConfiguration     = shape("InvalidUserPoolConfigurationException")
	LimitExceeded, ErrLimitExceeded                                   = shape("LimitExceededException")
	ManagedLoginBrandingExists, ErrManagedLoginBrandingExists         = shape("ManagedLoginBrandingExistsException")
	MFAMethodNotFound, ErrMFAMethodNotFound                           = shape("MFAMethodNotFoundException")
	NotAuthorized, ErrNotAuthorized                                   = shape("NotAuthorizedException")
	PasswordHistoryPolicyViolation, ErrPasswordHistoryPolicyViolation = shape("PasswordHistoryPolicyViolationException")
	PasswordResetRequired, ErrPasswordResetRequired                   = shape("PasswordResetRequiredException")
	PreconditionNotMet, ErrPreconditionNotMet                         = shape("PreconditionNotMetException")
	RefreshTokenReuse, ErrRefreshTokenReuse                           = shape("RefreshTokenReuseException")
	ResourceNotFound, ErrResourceNotFound                             = shape("ResourceNotFoundException")
	ScopeDoesNotExist, ErrScopeDoesNotExist                           = shape("ScopeDoesNotExistException")
	SoftwareTokenMFANotFound, ErrSoftwareTokenMFANotFound             = shape("SoftwareTokenMFANotFoundException")
	TooManyFailedAttempts, ErrTooManyFailedAttempts                   = shape("TooManyFailedAttemptsException")
	TooManyRequests, ErrTooManyRequests                               = shape("TooManyRequestsException")
	Unauthorized, ErrUnauthorized                                     = shape("UnauthorizedException")
	UnexpectedLambda, ErrUnexpectedLambda                             = shape("UnexpectedLambdaException")
	UnsupportedOperation, ErrUnsupportedOperation                     = shape("UnsupportedOperationException")
	UnsupportedTokenType, ErrUnsupportedTokenType                     = shape("UnsupportedTokenTypeException")
	UnsupportedUserState, ErrUnsupportedUserState                     = shape("UnsupportedUserStateException")
	UserLambdaValidation, ErrUserLambdaValidation                     = shape("UserLambdaValidationException")
	UserNotConfirmed, ErrUserNotConfirmed                             = shape("UserNotConfirmedException")
	UserNotFound, ErrUserNotFound                                     = shape("UserNotFoundException")
	UsernameExists, ErrUsernameExists                                 = shape("UsernameExistsException")
	UserPoolTagging, ErrUserPoolTagging                               = shape("UserPoolTaggingException")
	WebAuthnChallengeNotFound, ErrWebAuthnChallengeNotFound           = shape("WebAuthnChallengeNotFoundException")
	WebAuthnClientMismatch, ErrWebAuthnClientMismatch                 = shape("WebAuthnClientMismatchException")
	WebAuthnConfigurationMissing, ErrWebAuthnConfigurationMissing     = shape("WebAuthnConfigurationMissingException")
	WebAuthnCredentialNotSupported, ErrWebAuthnCredentialNotSupported = shape("WebAuthnCredentialNotSupportedException")
	WebAuthnNotEnabled, ErrWebAuthnNotEnabled                         = shape("WebAuthnNotEnabledException")
	WebAuthnOriginNotAllowed, ErrWebAuthnOriginNotAllowed             = shape("WebAuthnOriginNotAllowedException")
	WebAuthnRelyingPartyMismatch, ErrWebAuthnRelyingPartyMismatch     = shape("WebAuthnRelyingPartyMismatchException")

	// Transport-level errors (SigV4, unknown targets, malformed bodies).
	UnknownOperation, ErrUnknownOperation                     = shape("UnknownOperationException")
	MissingAuthenticationToken, ErrMissingAuthenticationToken = shape("MissingAuthenticationTokenException")
	IncompleteSignature, ErrIncompleteSignature               = shape("IncompleteSignatureException")
	InvalidSignature, ErrInvalidSignature                     = shape("InvalidSignatureException")
	UnrecognizedClient, ErrUnrecognizedClient                 = shape("UnrecognizedClientException")
	SerializationError, ErrSerialization                      = shape("SerializationException")
)

// The shapes whose status is not 400.
var (
	ErrInternal     = Kind{"InternalErrorException", http.StatusInternalServerError}
	ErrAccessDenied = Kind{"AccessDeniedException", http.StatusForbidden}
	ErrForbidden    = Kind{"ForbiddenException", http.StatusForbidden}
)

// Internal is the 500 every unexpected failure becomes: a generic message, the cause kept for the log.
func Internal(cause error) *Error {
	e := ErrInternal.newf("Internal server error.")
	e.Cause = cause
	return e
}

// AccessDenied refuses a caller an operation it may not call from where it calls (403), in the
// shape AWS services use for a denied call.
func AccessDenied(format string, args ...any) *Error {
	return ErrAccessDenied.newf(format, args...)
}

// Forbidden refuses a request that did not arrive the way this deployment serves requests (403),
// before any operation runs: a Lambda function reached around its edge, or a local server asked
// under a host name that is not its own (DNS rebinding).
func Forbidden(format string, args ...any) *Error {
	return ErrForbidden.newf(format, args...)
}

// RequestEntityTooLarge refuses bodies over the limit.
func RequestEntityTooLarge() *Error {
	e := ErrSerialization.newf("Request body too large.")
	e.Status = http.StatusRequestEntityTooLarge
	return e
}
