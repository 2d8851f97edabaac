// Package mail owns the messages Cognate sends to users: the Sender port (SES in Lambda, the
// in-memory outbox in local mode), Cognito's message templates and their defaults, rendering a
// template into a subject and body, validating a pool's custom templates, and masking a
// destination the way Cognito's CodeDeliveryDetails.Destination shows it.
//
// It does not own codes (generation, storage, expiry, attempt counting), the decision whether and
// where to send (AutoVerifiedAttributes, AccountRecoverySetting, MessageAction), CustomMessage
// triggers, or mapping errors to Cognito exceptions: those live with the caller.
//
// Rules for callers (security checklist MAIL-01, ENUM-05):
//   - Store the code first, then Send, once per code. A Sender never retries by itself.
//   - A Send error comes back as is. The caller maps it to CodeDeliveryFailureException, or,
//     where PreventUserExistenceErrors hides the user, to whatever the unknown-user path answers,
//     so that a failed delivery to a real user is not an existence oracle.
//   - Never log Message.Body or Message.Code outside local mode: they carry the code or the
//     temporary password. The local outbox (package mail/outbox) is the one documented exception.
//
// Placeholders are Cognito's: {####} for the code or temporary password, {username} in
// invitations only. Verification-style messages leave {username} in place, unsubstituted, as
// Cognito does (aws/aws-cdk#7597).
package mail
