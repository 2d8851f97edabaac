package oauth

import (
	"log/slog"
	"net/http"

	"github.com/cognatehq/cognate/pkg/userpool"
)

// RevokePath is the revocation endpoint's path.
const RevokePath = "/oauth2/revoke"

// RevokeHandler serves POST /oauth2/revoke (RFC 7009, cognito-protocol.md §8): a refresh token
// and the client's authentication (Basic or, for a client without a secret, client_id in the
// body). The token's lineage ends; an unknown or spent token answers 200 all the same (§2.2).
func RevokeHandler(svc *userpool.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		basic := r.Header.Get("Authorization") != ""
		form, id, secret, ok := clientRequest(w, r, log)
		if !ok {
			return
		}
		tok := form.Get("token")
		if tok == "" {
			WriteTokenError(ctx, w, log, InvalidRequest("token is required."), basic)
			return
		}
		if err := svc.OAuthRevoke(ctx, id, secret, tok); err != nil {
			WriteTokenError(ctx, w, log, fromPool(err), basic)
			return
		}
		noStore(w.Header())
		w.WriteHeader(http.StatusOK)
	})
}
