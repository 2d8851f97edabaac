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

// Is matches on Type, and on Message too when the target has one, so
// errors.Is(err, cognito.NotAuthorized("")) matches any NotAuthorizedException.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Type == e.Type && (t.Message == "" || t.Message == e.Message)
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

func newErr(typ string, status int, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Type: typ, Message: msg, Status: status}
}

func clientErr(typ string) func(format string, args ...any) *Error {
	return func(format string, args ...any) *Error { return newErr(typ, http.StatusBadRequest, format, args...) }
}

// The catalogue. Each constructor takes a message (printf-style); the names are Cognito's shapes.
var (
	AliasExists                    = clientErr("AliasExistsException")
	CodeDeliveryFailure            = clientErr("CodeDeliveryFailureException")
	CodeMismatch                   = clientErr("CodeMismatchException")
	ConcurrentModification         = clientErr("ConcurrentModificationException")
	DeviceKeyExists                = clientErr("DeviceKeyExistsException")
	ExpiredCode                    = clientErr("ExpiredCodeException")
	GroupExists                    = clientErr("GroupExistsException")
	InvalidLambdaResponse          = clientErr("InvalidLambdaResponseException")
	InvalidOAuthFlow               = clientErr("InvalidOAuthFlowException")
	InvalidParameter               = clientErr("InvalidParameterException")
	InvalidPassword                = clientErr("InvalidPasswordException")
	InvalidUserPoolConfiguration   = clientErr("InvalidUserPoolConfigurationException")
	LimitExceeded                  = clientErr("LimitExceededException")
	MFAMethodNotFound              = clientErr("MFAMethodNotFoundException")
	NotAuthorized                  = clientErr("NotAuthorizedException")
	PasswordHistoryPolicyViolation = clientErr("PasswordHistoryPolicyViolationException")
	PasswordResetRequired          = clientErr("PasswordResetRequiredException")
	PreconditionNotMet             = clientErr("PreconditionNotMetException")
	RefreshTokenReuse              = clientErr("RefreshTokenReuseException")
	ResourceNotFound               = clientErr("ResourceNotFoundException")
	ScopeDoesNotExist              = clientErr("ScopeDoesNotExistException")
	TooManyFailedAttempts          = clientErr("TooManyFailedAttemptsException")
	TooManyRequests                = clientErr("TooManyRequestsException")
	Unauthorized                   = clientErr("UnauthorizedException")
	UnexpectedLambda               = clientErr("UnexpectedLambdaException")
	UnsupportedOperation           = clientErr("UnsupportedOperationException")
	UnsupportedTokenType           = clientErr("UnsupportedTokenTypeException")
	UnsupportedUserState           = clientErr("UnsupportedUserStateException")
	UserLambdaValidation           = clientErr("UserLambdaValidationException")
	UserNotConfirmed               = clientErr("UserNotConfirmedException")
	UserNotFound                   = clientErr("UserNotFoundException")
	UsernameExists                 = clientErr("UsernameExistsException")
	UserPoolTagging                = clientErr("UserPoolTaggingException")

	// Transport-level errors (SigV4, unknown targets, malformed bodies).
	UnknownOperation           = clientErr("UnknownOperationException")
	MissingAuthenticationToken = clientErr("MissingAuthenticationTokenException")
	IncompleteSignature        = clientErr("IncompleteSignatureException")
	InvalidSignature           = clientErr("InvalidSignatureException")
	UnrecognizedClient         = clientErr("UnrecognizedClientException")
	SerializationError         = clientErr("SerializationException")
)

// Internal is the 500 every unexpected failure becomes: a generic message, the cause kept for the log.
func Internal(cause error) *Error {
	return &Error{Type: "InternalErrorException", Message: "Internal server error.", Status: http.StatusInternalServerError, Cause: cause}
}

// AccessDenied refuses a caller an operation it may not call from where it calls (403), in the
// shape AWS services use for a denied call.
func AccessDenied(format string, args ...any) *Error {
	return newErr("AccessDeniedException", http.StatusForbidden, format, args...)
}

// Forbidden refuses a request that did not arrive the way this deployment serves requests (403),
// before any operation runs: a Lambda function reached around its edge, or a local server asked
// under a host name that is not its own (DNS rebinding).
func Forbidden(format string, args ...any) *Error {
	return newErr("ForbiddenException", http.StatusForbidden, format, args...)
}

// RequestEntityTooLarge refuses bodies over the limit.
func RequestEntityTooLarge() *Error {
	return &Error{Type: "SerializationException", Message: "Request body too large.", Status: http.StatusRequestEntityTooLarge}
}
