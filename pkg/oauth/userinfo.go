package oauth

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cognatehq/cognate/pkg/userpool"
)

// UserInfoPath is the OIDC userInfo endpoint's path.
const UserInfoPath = "/oauth2/userInfo"

// UserInfoHandler serves GET|POST /oauth2/userInfo (OIDC Core §5.3, cognito-protocol.md §8):
// the access token as a Bearer credential in the Authorization header (RFC 6750 §2.1; not in a
// query, which would leave it in logs), the user's attributes the token's scopes release as
// JSON strings. Errors carry a Bearer challenge (WriteBearerError).
func UserInfoHandler(svc *userpool.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			noStore(w.Header())
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		tok = strings.TrimSpace(tok)
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
			WriteBearerError(ctx, w, log, InvalidRequest("The access token is missing."))
			return
		}
		info, err := svc.UserInfo(ctx, tok)
		if err != nil {
			WriteBearerError(ctx, w, log, fromPool(err))
			return
		}
		body, err := json.Marshal(info)
		if err != nil {
			WriteBearerError(ctx, w, log, ServerError(err))
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json;charset=UTF-8")
		noStore(h)
		_, _ = w.Write(body)
	})
}
