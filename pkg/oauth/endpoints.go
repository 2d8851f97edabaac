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
	mux.Handle(TokenPath, TokenHandler(svc, log))
	mux.Handle(UserInfoPath, UserInfoHandler(svc, log))
	mux.Handle(RevokePath, RevokeHandler(svc, log))
	hosted := NewHosted(svc, log).Handler()
	mux.Handle("/", hosted)
	return mux
}

// IsEndpointPath tells whether Endpoints serves a path.
func IsEndpointPath(p string) bool {
	return p == TokenPath || p == UserInfoPath || p == RevokePath || IsHostedPath(p)
}
