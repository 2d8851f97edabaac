package oauth

import (
	"log/slog"
	"net/http"

	"github.com/cognatehq/cognate/pkg/userpool"
)

// Endpoints serves every path of the room: the token, userInfo and revocation endpoints and
// the hosted paths (Hosted.Handler).
func Endpoints(svc *userpool.Service, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(TokenPath, cors(TokenHandler(svc, log)))
	mux.Handle(UserInfoPath, cors(UserInfoHandler(svc, log)))
	mux.Handle(RevokePath, cors(RevokeHandler(svc, log)))
	hosted := NewHosted(svc, log).Handler()
	mux.Handle("/", hosted)
	return mux
}

// IsEndpointPath tells whether Endpoints serves a path.
func IsEndpointPath(p string) bool {
	return p == TokenPath || p == UserInfoPath || p == RevokePath || IsHostedPath(p)
}

// cors lets a browser application call the token, userInfo and revocation endpoints from its
// own origin, as single-page apps do with Cognito's (Amplify redeems the code in the page). Any
// origin may: the endpoints take no cookie and trust only what the request carries (client
// authentication, a code with its verifier, a Bearer token), so a page of another origin gains
// nothing it could not send from anywhere. Preflights are answered here.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Amz-User-Agent, X-Amz-Date, X-Amz-Security-Token")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
