package oauth

import (
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/userpool"
)

// TokenPath is the token endpoint's path on a user-pool domain.
const TokenPath = "/oauth2/token"

// maxTokenForm bounds the token request's body: a form of a few short parameters.
const maxTokenForm = 16 << 10

// TokenHandler serves POST /oauth2/token (RFC 6749 §3.2, cognito-protocol.md §8): the
// authorization_code (with PKCE), refresh_token and client_credentials grants. The client id
// names the client, and so the pool: one endpoint serves every pool of the deployment.
func TokenHandler(svc *userpool.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		basic := r.Header.Get("Authorization") != ""
		form, id, secret, ok := clientRequest(w, r, log)
		if !ok {
			return
		}
		var out *userpool.OAuthTokens
		var err error
		switch form.Get("grant_type") {
		case "client_credentials":
			in := userpool.ClientCredentialsInput{ClientID: id, ClientSecret: secret}
			if vs, ok := form["scope"]; ok {
				in.Scope = &vs[0]
			}
			out, err = svc.ClientCredentials(ctx, in)
		case "authorization_code":
			if form.Get("code") == "" {
				err = InvalidRequest("code is required.")
				break
			}
			out, err = svc.RedeemCode(ctx, userpool.RedeemCodeInput{ClientID: id, ClientSecret: secret,
				Code: form.Get("code"), RedirectURI: form.Get("redirect_uri"), Verifier: form.Get("code_verifier")})
		case "refresh_token":
			if form.Get("refresh_token") == "" {
				err = InvalidRequest("refresh_token is required.")
				break
			}
			out, err = svc.OAuthRefresh(ctx, userpool.OAuthRefreshInput{ClientID: id, ClientSecret: secret, RefreshToken: form.Get("refresh_token")})
		case "":
			err = InvalidRequest("grant_type is required.")
		default:
			err = UnsupportedGrantType("")
		}
		if err != nil {
			WriteTokenError(ctx, w, log, fromPool(err), basic)
			return
		}
		body, err := json.Marshal(struct {
			AccessToken  string `json:"access_token"`
			IDToken      string `json:"id_token,omitempty"`
			RefreshToken string `json:"refresh_token,omitempty"`
			ExpiresIn    int    `json:"expires_in"`
			TokenType    string `json:"token_type"`
		}{out.AccessToken, out.IDToken, out.RefreshToken, out.ExpiresIn, "Bearer"})
		if err != nil {
			WriteTokenError(ctx, w, log, ServerError(err), basic)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json;charset=UTF-8")
		noStore(h)
		_, _ = w.Write(body)
	})
}

// clientRequest reads a POST of the token or revocation endpoint: the form and the client's
// authentication. It answers the request itself (405, or the RFC 6749 error) when it cannot.
func clientRequest(w http.ResponseWriter, r *http.Request, log *slog.Logger) (form url.Values, id, secret string, ok bool) {
	basic := r.Header.Get("Authorization") != ""
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		noStore(w.Header())
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return nil, "", "", false
	}
	form, err := readForm(w, r)
	if err == nil {
		id, secret, err = clientAuth(r, form)
	}
	if err != nil {
		WriteTokenError(r.Context(), w, log, err, basic)
		return nil, "", "", false
	}
	return form, id, secret, true
}

// readForm reads an application/x-www-form-urlencoded body; each parameter at most once
// (RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once").
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, InvalidRequest("The request must be application/x-www-form-urlencoded.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenForm)
	if err := r.ParseForm(); err != nil {
		return nil, InvalidRequest("The request body is not a valid form.")
	}
	form := r.PostForm
	for k, vs := range form {
		if len(vs) > 1 {
			return nil, InvalidRequest("Parameter %s is repeated.", k)
		}
	}
	return form, nil
}

// clientAuth reads the client's credentials: HTTP Basic (client_secret_basic, each part
// form-urlencoded per RFC 6749 §2.3.1) or client_id and client_secret in the body
// (client_secret_post), never both (§2.3: "MUST NOT use more than one authentication method").
func clientAuth(r *http.Request, form url.Values) (id, secret string, err error) {
	hdr := r.Header.Get("Authorization")
	_, inBody := form["client_secret"]
	if hdr != "" {
		if inBody {
			return "", "", InvalidRequest("Use one client authentication method: the Authorization header or the body.")
		}
		u, p, ok := r.BasicAuth()
		if !ok {
			return "", "", InvalidClient("Client authentication failed.")
		}
		if u, err = url.QueryUnescape(u); err != nil {
			return "", "", InvalidClient("Client authentication failed.")
		}
		if p, err = url.QueryUnescape(p); err != nil {
			return "", "", InvalidClient("Client authentication failed.")
		}
		if bodyID := form.Get("client_id"); bodyID != "" && bodyID != u {
			return "", "", InvalidRequest("client_id does not match the Authorization header.")
		}
		return u, p, nil
	}
	id = strings.TrimSpace(form.Get("client_id"))
	if id == "" {
		return "", "", InvalidClient("Client authentication failed.")
	}
	return id, form.Get("client_secret"), nil
}

// fromPool turns the user pool's refusal of a grant into the catalogue's error of that code;
// anything else (a trigger's refusal, a failure) is left for the renderer to make server_error
// of, or — for a *cognito.Error a user may see — invalid_request with its message.
func fromPool(err error) error {
	var ge *userpool.GrantError
	if errors.As(err, &ge) {
		if k, ok := byCode[ge.Code]; ok {
			return k.newf("%s", ge.Description)
		}
	}
	var ce *cognito.Error
	if errors.As(err, &ce) && ce.Status < 500 {
		return InvalidRequest("%s", ce.Message)
	}
	return err
}
