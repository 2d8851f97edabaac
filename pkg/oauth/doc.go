// Package oauth is the room for Cognito's OAuth 2.0 / OpenID Connect endpoints and its hosted
// pages: GET /oauth2/authorize, POST /oauth2/token, GET|POST /oauth2/userInfo, POST
// /oauth2/revoke, GET /login and GET /logout (cognito-protocol.md §8), and the hosted pages
// behind them (hosted.go: sign-in, challenges, account pages, passwordless and passkey sign-in
// and the offer of a passkey; docs/oauth.md).
//
// It owns the OAuth side of the wire: form and query parsing, client authentication at the
// token and revocation endpoints, redirect_uri matching, and the one renderer of OAuth errors
// (render.go) over the catalogue of RFC error codes (errors.go). The rules — who may sign in,
// which tokens a grant yields, what revocation ends — stay in the user pool: endpoints here call
// the transport-neutral facade (userpool.Service) as pkg/app's bindings do, never the user
// pool's internals, and translate its answers. The Cognito API's JSON errors (`__type`) are
// pkg/cognito's; nothing here renders them.
//
// # Errors
//
// Every OAuth error is a fresh *Error from a constructor (InvalidGrant, InvalidClient, ...) with
// a sentinel Kind beside it to match with errors.Is, in the style of pkg/cognito. Each Kind
// names the endpoints that may answer with it; rendered by an endpoint it does not belong to, or
// when the error is not an *Error at all, it becomes server_error with a generic description and
// the cause logged (fail closed). Three shapes, one per endpoint kind:
//
//   - token and revocation endpoints (RFC 6749 §5.2, RFC 7009 §2.2.1): JSON
//     {"error":"invalid_grant"} (error_description only when there is one, as Cognito answers),
//     400; invalid_client is 401 with WWW-Authenticate: Basic when the client authenticated with
//     the Authorization header (RFC 6749 §5.2 requires it), else 400 as Cognito's token endpoint
//     answers. Never cached (Cache-Control: no-store, Pragma: no-cache).
//   - authorization endpoint (RFC 6749 §4.1.2.1, §4.2.2.1): a 302 to the client's redirect_uri
//     with error, error_description and state in the query, or in the fragment for the implicit
//     grant. The redirect target is a Redirect, which only MatchRedirect makes from a client's
//     registered callback URLs; without one the error is a 400 page and never a redirect, so an
//     unregistered redirect_uri can never receive a browser (RFC 6749 §4.1.2.1, open redirects).
//   - userInfo (RFC 6750 §3): WWW-Authenticate: Bearer error="invalid_token",
//     error_description="..." with 401 (invalid_request 400, insufficient_scope 403), and the
//     same JSON body.
//
// Descriptions are limited to the characters RFC 6749 allows in error_description (%x20-21 /
// %x23-5B / %x5D-7E); others become '?', so no description can break a header's quoted string
// or carry a line break.
package oauth
