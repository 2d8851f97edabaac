// Package edge owns Cognate's front door: the CloudFront viewer-request function that lets one
// Cognito-compatible endpoint (`POST /` with X-Amz-Target, as every Cognito client sends) reach a
// separate Lambda function per family, although API Gateway routes on method and path only.
//
// The function is generated from pkg/cognito's operation table, the only place the op -> family
// mapping is written, into infra/edge/router.js, together with infra/edge/routes.json (the same
// mapping as data, which the node test checks router.js against). Tests fail when either committed
// file differs from the generator's output; regenerate with
//
//	go generate ./pkg/edge
//
// # Routing contract
//
//   - `POST /` whose single X-Amz-Target is "AWSCognitoIdentityProviderService.<Op>" for a known
//     operation is rewritten to FamilyPath(<Op>'s family): /_cognate/signup, /_cognate/auth,
//     /_cognate/token, /_cognate/account or /_cognate/admin. The query string and body are
//     untouched.
//   - The family paths live under InternalPrefix ("/_cognate/"), a path space no Cognito or OAuth
//     path uses: Cognito's hosted pages own /signup, /login and the rest at the root, so the
//     families cannot sit there. A client request whose path has a "_cognate" segment, after
//     percent-decoding and case-folding, is answered 404 UnknownOperationException by the
//     function itself and never reaches the origin. Nothing was exposed before the prefix (a
//     family function serves only its own family's operations, the admin family verifies SigV4
//     over the path the client used, and the origin admits only the edge), but the family paths
//     are an internal contract between the router and the functions, not a second public
//     endpoint: refusing them keeps the public surface to what Cognito has, and keeps a function
//     free to rely on having been reached through the rewrite.
//   - Everything else keeps its URI, in particular: unknown, foreign, repeated or missing targets
//     stay on DefaultPath ("/"), where the oauth function's route `POST /` runs cognito.NewServer
//     with Families{cognito.FamilyOAuth}, which answers UnknownOperationException exactly as the
//     local server does (no separate "/unknown" route, and a direct call to the API answers the
//     same); OPTIONS preflights (they carry no X-Amz-Target value to route on) go to "/" too and get
//     that server's CORS answer; /oauth2/*, /{poolId}/.well-known/*, /login, /signup and the other
//     hosted pages, /static/* … pass through.
//   - Every request first loses any client-sent header starting with "x-cognate-original-", then
//     gains the edge's own: HeaderOriginalHost (the Host the client used), HeaderOriginalPath (the
//     URI before rewriting) and HeaderOriginalIP (the viewer's address). A SigV4 signature covers
//     host and path, and API Gateway sees neither (CloudFront must send API Gateway its own Host),
//     so the admin function verifies with sigv4.Verifier{HostHeader: HeaderOriginalHost,
//     PathHeader: HeaderOriginalPath}; behind CloudFront requestContext.http.sourceIp is an edge
//     server, so per-client limits read HeaderOriginalIP.
//
// An origin may trust these headers only when it cannot be reached except through the edge (see
// infra/edge/README.md): a caller of the execute-api URL can set them at will.
package edge

//go:generate go run ./cmd/gen -dir ../../infra/edge
