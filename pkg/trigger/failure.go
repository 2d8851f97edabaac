package trigger

import (
	"context"
	"errors"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// reasonUnknown stands for a failure no backend named; the AWS SDK's generic Lambda exception.
const reasonUnknown = "AWSLambdaException"

// Failure is the API's answer to a failed call of trigger t (§7.5), nil for nil:
//
//   - the function's own error (*FunctionError): UserLambdaValidationException
//     "<Trigger> failed with error <message>." — Cognito adds the period whatever the message
//     ends with;
//   - no answer (*InvocationError, or ctx's deadline): UnexpectedLambdaException
//     "<Trigger> invocation failed due to error <reason>.";
//   - a *cognito.Error (DecodeResponse's InvalidLambdaResponseException, or a decision the
//     operation already made) passes through unchanged;
//   - anything else is an UnexpectedLambdaException with a generic reason: a backend's error
//     text never reaches the caller. The cause is kept on the error for the log.
func Failure(t Trigger, err error) *cognito.Error {
	if err == nil {
		return nil
	}
	if ce := cognito.As(err); ce != nil {
		return ce
	}
	var fe *FunctionError
	if errors.As(err, &fe) {
		return cognito.UserLambdaValidation("%s failed with error %s.", t, fe.Message).WithCause(err)
	}
	reason := reasonUnknown
	var ie *InvocationError
	switch {
	case errors.As(err, &ie) && ie.Reason != "":
		reason = ie.Reason
	case errors.Is(err, context.DeadlineExceeded):
		reason = ReasonTimeout
	}
	return cognito.UnexpectedLambda("%s invocation failed due to error %s.", t, reason).WithCause(err)
}
