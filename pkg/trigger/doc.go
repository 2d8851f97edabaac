// Package trigger is the room for Cognito's Lambda triggers (cognito-protocol.md §7): the
// vocabulary every trigger call shares, and the port through which the user pool will call them.
// It owns
//
//   - the catalogue of trigger sources (sources.go): every triggerSource value Cognito sends,
//     the LambdaConfig key that configures it (which is also the <Trigger> name its errors
//     carry), the event type that carries it — github.com/aws/aws-lambda-go/events' type, as
//     the functions users already have decode it, or this package's CustomSenderEvent where
//     aws-lambda-go has none — and, for PreTokenGeneration, which LambdaVersion sends which shape;
//   - building an event with the common header (version, triggerSource, region, userPoolId,
//     userName, callerContext) and reading back a function's answer, of which only `response`
//     counts (events.go);
//   - the Invoker port (invoker.go): synchronous RequestResponse calls, asynchronous Event calls
//     for CustomEmailSender and CustomSMSSender, through Lambda or an HTTP webhook;
//   - the one mapping of invocation failures to Cognito's errors (failure.go):
//     UserLambdaValidationException, UnexpectedLambdaException, InvalidLambdaResponseException.
//
// Backends: lambdainvoke (Lambda Invoke through aws-sdk-go-v2, on AWS or against a local Lambda
// endpoint or a function under the Runtime Interface Emulator). The webhook backend and the
// calls from the operations come with the rest of issue 12; this package is what they share,
// so each operation builds its event and maps its failures the same way. It imports pkg/cognito for the error catalogue and nothing of the user
// pool: operations call it, never the other way round.
//
// Events carry what users typed (UserMigration's password) and codes (CustomMessage, the custom
// senders): nothing here logs an event or an answer, and an Invoker must not either.
package trigger
