// Package token owns the tokens Cognate hands out and accepts, byte-compatible with Cognito's so
// that aws-jwt-verify, API Gateway JWT authorizers and any OIDC library accept them unchanged:
//
//   - Issuer.Issue builds the ID and access token claim sets exactly as Cognito does
//     (reference/cognito-protocol.md §6.2–6.3) and signs them through a signer.Signer. The JWS
//     header is exactly {"kid":"…","alg":"RS256"}: Cognito's, with no "typ".
//   - Issuer.Verify checks a token that Cognate issued, strictly (checklist JWT-02..05): size and
//     shape before any parsing, an RS256-only header with nothing but alg and kid, the kid looked
//     up among this pool's keys only (nothing is ever fetched), the signature before any claim,
//     then iss, token_use, iat, client, and exp last, so ErrExpired can only describe a token that
//     is genuine and otherwise valid (CVE-2024-51744 confused the two). A token it has accepted
//     is remembered (verifycache.go, bounded in bytes) so that presenting it again skips only the
//     RS256 check and the claim parsing; the key's publication and every claim are judged anew.
//   - JWKS and OpenIDConfiguration render the discovery documents.
//   - NewRefreshToken and HashRefreshToken make opaque refresh tokens; only their hash is stored.
//
// The JWT encoding is written here rather than delegated to golang-jwt: Cognito's header has no
// "typ" (golang-jwt always adds one), its claims have a fixed order and shape, and the verifier
// must refuse more than a general-purpose library does. golang-jwt is used in the tests as an
// independent verifier of what we issue.
//
// Revocation (origin_jti deny-list, per-user valid-after) and the refresh-token records belong to
// the service; Verify answers only "is this a genuine, current token of this pool".
package token
