package oauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/oauth/pages"
	"github.com/cognatehq/cognate/pkg/userpool"
)

// login serves /login: GET shows the sign-in form (or completes the request from a standing
// hosted session), POST signs in with the password through the API's pipeline.
func (h *Hosted) login(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		f := h.begin(w, r)
		if f == nil || h.resume(w, r, f) {
			return
		}
		h.loginPage(w, r, f, http.StatusOK, pages.Page{Values: map[string]string{"username": f.query.Get("login_hint")}})
	case http.MethodPost:
		f := h.begin(w, r)
		if f == nil {
			return
		}
		if err := readPost(w, r); err != nil {
			h.loginPage(w, r, f, http.StatusBadRequest, pages.Page{Error: postMessage(err)})
			return
		}
		username := strings.TrimSpace(r.PostForm.Get("username"))
		password := r.PostForm.Get("password")
		if username == "" || password == "" {
			h.loginPage(w, r, f, http.StatusBadRequest, pages.Page{Error: pages.Message{Key: pages.MsgIncorrectCredentials},
				Values: map[string]string{"username": username}})
			return
		}
		out, err := h.svc.HostedSignIn(r.Context(), f.auth, userpool.HostedStepInput{Flow: "USER_PASSWORD_AUTH",
			Params: map[string]string{"USERNAME": username, "PASSWORD": password}})
		if errors.Is(err, cognito.ErrUserNotConfirmed) {
			h.saveChallenge(w, f, challengeState{Name: stateConfirm, Session: "-", Username: username})
			h.redirect(w, f, f.path(ConfirmPath), http.StatusSeeOther)
			return
		}
		if errors.Is(err, cognito.ErrPasswordResetRequired) {
			h.saveChallenge(w, f, challengeState{Name: stateReset, Session: "-", Username: username})
			h.redirect(w, f, f.path(ForgotPath), http.StatusSeeOther)
			return
		}
		if err != nil {
			h.refused(w, r, f, err, func(m pages.Message) {
				h.loginPage(w, r, f, http.StatusBadRequest, pages.Page{Error: m, Values: map[string]string{"username": username}})
			})
			return
		}
		h.stepDone(w, r, f, username, out)
	default:
		methodNotAllowed(w, "GET, POST")
	}
}

func (h *Hosted) loginPage(w http.ResponseWriter, r *http.Request, f *flow, status int, p pages.Page) {
	p.Kind = pages.Login
	p.Action = f.path(LoginPath)
	p.Links = h.loginLinks(f)
	h.page(w, r, f, status, p)
}

// refused shows the user pool's refusal on the page (show), or fails for anything a user
// cannot act on.
func (h *Hosted) refused(w http.ResponseWriter, r *http.Request, f *flow, err error, show func(pages.Message)) {
	if m := userMessage(err); m != nil {
		show(*m)
		return
	}
	h.fail(w, r, f, err)
}

// stepDone carries out a sign-in step's outcome: back to the client when it completed, else on
// to the page of the next challenge.
func (h *Hosted) stepDone(w http.ResponseWriter, r *http.Request, f *flow, username string, out *userpool.HostedStepOutput) {
	if out.PasskeyOffer {
		h.offerPasskey(w, f, out.Granted)
		return
	}
	if out.Granted != nil {
		h.granted(w, r, f, out.Granted, http.StatusSeeOther)
		return
	}
	if p := out.ChallengeParameters["USERNAME"]; p != "" && out.ChallengeName != "NEW_PASSWORD_REQUIRED" {
		username = p
	}
	h.saveChallenge(w, f, challengeState{Name: out.ChallengeName, Session: out.Session, Username: username, Params: shown(out.ChallengeParameters)})
	h.redirect(w, f, f.path(ChallengePath), http.StatusSeeOther)
}

// shown keeps the challenge parameters a page shows or answers with.
func shown(p map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"CODE_DELIVERY_DESTINATION", "CODE_DELIVERY_DELIVERY_MEDIUM", "MFAS_CAN_CHOOSE", "MFAS_CAN_SETUP", "requiredAttributes", "SECRET_CODE"} {
		if v, ok := p[k]; ok {
			out[k] = v
		}
	}
	return out
}

// Our own states of the flow cookie, beside Cognito's challenge names.
const (
	stateConfirm = "cognate:confirm"
	stateReset   = "cognate:reset"
	stateSetup   = "cognate:totp-setup" // MFA_SETUP with a software token associated
)

// challenge serves /challenge: the page of the challenge the flow cookie holds (MFA codes,
// SELECT_MFA_TYPE, NEW_PASSWORD_REQUIRED, MFA_SETUP, a passwordless code) and its answer.
func (h *Hosted) challenge(w http.ResponseWriter, r *http.Request) {
	f := h.beginForm(w, r)
	if f == nil {
		return
	}
	st, ok := loadChallenge(r)
	if !ok || st.Name == stateConfirm || st.Name == stateReset {
		h.loginPage(w, r, f, http.StatusBadRequest, pages.Page{Error: pages.Message{Key: pages.MsgSessionExpired}})
		return
	}
	if r.Method != http.MethodPost {
		h.challengePage(w, r, f, st, http.StatusOK, pages.Message{})
		return
	}
	if err := readPost(w, r); err != nil {
		h.challengePage(w, r, f, st, http.StatusBadRequest, postMessage(err))
		return
	}
	ctx := r.Context()
	form := r.PostForm
	params := map[string]string{"USERNAME": st.Username}
	name := st.Name
	switch st.Name {
	case "SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP", "SMS_OTP":
		params[st.Name+"_CODE"] = strings.TrimSpace(form.Get("code"))
	case "SELECT_MFA_TYPE":
		params["ANSWER"] = form.Get("method")
	case "NEW_PASSWORD_REQUIRED":
		params["NEW_PASSWORD"] = form.Get("password")
		for _, a := range requiredAttributes(st) {
			if v := strings.TrimSpace(form.Get(a)); v != "" {
				params["userAttributes."+a] = v
			}
		}
	case "MFA_SETUP":
		params["EMAIL"] = strings.TrimSpace(form.Get("email"))
	case stateSetup:
		next, err := h.svc.HostedVerifySoftwareToken(ctx, st.Session, strings.TrimSpace(form.Get("code")))
		if err != nil {
			h.refused(w, r, f, err, func(m pages.Message) { h.challengePage(w, r, f, st, http.StatusBadRequest, m) })
			return
		}
		st.Session, name = next, "MFA_SETUP"
	default:
		h.loginPage(w, r, f, http.StatusBadRequest, pages.Page{Error: pages.Message{Key: pages.MsgSessionExpired}})
		return
	}
	out, err := h.svc.HostedSignIn(ctx, f.auth, userpool.HostedStepInput{Flow: name, Session: st.Session, Params: params})
	if err != nil {
		if userpool.IsSessionExpired(err) {
			clearCookie(w, flowCookie, f.https)
			h.loginPage(w, r, f, http.StatusBadRequest, pages.Page{Error: pages.Message{Key: pages.MsgSessionExpired}})
			return
		}
		h.refused(w, r, f, err, func(m pages.Message) { h.challengePage(w, r, f, st, http.StatusBadRequest, m) })
		return
	}
	h.stepDone(w, r, f, st.Username, out)
}

// challengePage renders the page of the challenge st, with m as its error.
func (h *Hosted) challengePage(w http.ResponseWriter, r *http.Request, f *flow, st *challengeState, status int, m pages.Message) {
	p := pages.Page{Action: f.path(ChallengePath), Error: m}
	switch st.Name {
	case "EMAIL_OTP", "SMS_OTP":
		if !st.First {
			p.Kind = pages.MFACode
		} else {
			p.Kind = pages.PasswordlessCode
		}
		p.MFA = pages.MFA{Method: st.Name, Destination: st.Params["CODE_DELIVERY_DESTINATION"]}
	case "SOFTWARE_TOKEN_MFA", "SMS_MFA":
		p.Kind = pages.MFACode
		p.MFA = pages.MFA{Method: st.Name, Destination: st.Params["CODE_DELIVERY_DESTINATION"]}
	case "SELECT_MFA_TYPE":
		p.Kind = pages.SelectMFA
		_ = json.Unmarshal([]byte(st.Params["MFAS_CAN_CHOOSE"]), &p.MFA.Options)
	case "NEW_PASSWORD_REQUIRED":
		p.Kind = pages.NewPassword
		for _, a := range requiredAttributes(st) {
			p.Fields = append(p.Fields, pages.Field{Name: a, Type: inputType(a), Required: true})
		}
	case "MFA_SETUP":
		var can []string
		_ = json.Unmarshal([]byte(st.Params["MFAS_CAN_SETUP"]), &can)
		if !slices.Contains(can, "SOFTWARE_TOKEN_MFA") {
			p.Kind = pages.SetupEmail
			break
		}
		// A software token first: associate one with the Session, then show its secret.
		secret, next, err := h.svc.HostedAssociateSoftwareToken(r.Context(), st.Session)
		if err != nil {
			h.refused(w, r, f, err, func(m pages.Message) {
				h.loginPage(w, r, f, http.StatusBadRequest, pages.Page{Error: m})
			})
			return
		}
		st = &challengeState{Name: stateSetup, Session: next, Username: st.Username, Params: map[string]string{"SECRET_CODE": secret}}
		h.saveChallenge(w, f, *st)
		fallthrough
	case stateSetup:
		p.Kind = pages.SetupTOTP
		p.MFA = pages.MFA{Method: "SOFTWARE_TOKEN_MFA", Secret: st.Params["SECRET_CODE"], URI: totpURI(st.Username, st.Params["SECRET_CODE"])}
	default:
		h.loginPage(w, r, f, http.StatusBadRequest, pages.Page{Error: pages.Message{Key: pages.MsgSessionExpired}})
		return
	}
	h.page(w, r, f, status, p)
}

// requiredAttributes are the attribute names NEW_PASSWORD_REQUIRED asks for.
func requiredAttributes(st *challengeState) []string {
	var names []string
	_ = json.Unmarshal([]byte(st.Params["requiredAttributes"]), &names)
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, strings.TrimPrefix(n, "userAttributes."))
	}
	return out
}

func inputType(attr string) string {
	switch attr {
	case "email":
		return "email"
	case "phone_number":
		return "tel"
	case "birthdate":
		return "date"
	}
	return "text"
}

// totpURI is the otpauth:// URI an authenticator app reads from the set-up page's QR code.
func totpURI(username, secret string) string {
	label := url.PathEscape("Cognate:" + username)
	return "otpauth://totp/" + label + "?" + url.Values{"secret": {secret}, "issuer": {"Cognate"}}.Encode()
}
