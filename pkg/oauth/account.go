package oauth

import (
	"net/http"
	"strings"

	"github.com/cognatehq/cognate/pkg/oauth/pages"
)

// The account pages: sign-up, its confirmation (with resend), and the password reset. Each
// calls the user API through the facade for the authorization's client, so a PreSignUp
// trigger's refusal, the password policy and the code rules are the API's, and their messages
// show on the page.

// signUp serves /signup.
func (h *Hosted) signUp(w http.ResponseWriter, r *http.Request) {
	f := h.beginForm(w, r)
	if f == nil {
		return
	}
	form := h.svc.HostedSignUpForm(f.auth)
	show := func(status int, m pages.Message, values map[string]string) {
		p := pages.Page{Kind: pages.SignUp, Error: m, Values: values, Links: pages.Links{SignIn: f.path(LoginPath)}}
		p.Values["username-is"] = form.UsernameIs
		for _, a := range form.Required {
			p.Fields = append(p.Fields, pages.Field{Name: a, Type: inputType(a), Required: true})
		}
		for _, a := range form.Optional {
			p.Fields = append(p.Fields, pages.Field{Name: a, Type: inputType(a)})
		}
		h.page(w, r, f, status, p)
	}
	if r.Method != http.MethodPost {
		show(http.StatusOK, pages.Message{}, map[string]string{})
		return
	}
	if err := readPost(w, r); err != nil {
		show(http.StatusBadRequest, postMessage(err), map[string]string{})
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	values := map[string]string{"username": username}
	attrs := map[string]string{}
	for _, a := range append(form.Required, form.Optional...) {
		if v := strings.TrimSpace(r.PostForm.Get(a)); v != "" {
			attrs[a], values[a] = v, v
		}
	}
	if form.UsernameIs == "email" || form.UsernameIs == "phone_number" {
		attrs[form.UsernameIs] = username
	}
	confirmed, dest, err := h.svc.HostedSignUp(r.Context(), f.auth, username, r.PostForm.Get("password"), attrs)
	if err != nil {
		h.refused(w, r, f, err, func(m pages.Message) { show(http.StatusBadRequest, m, values) })
		return
	}
	if confirmed {
		h.loginPage(w, r, f, http.StatusOK, pages.Page{Notice: pages.Message{Key: pages.MsgAccountConfirmed}, Values: map[string]string{"username": username}})
		return
	}
	h.saveChallenge(w, f, challengeState{Name: stateConfirm, Session: "-", Username: username, Params: map[string]string{"CODE_DELIVERY_DESTINATION": dest}})
	h.redirect(w, f, f.path(ConfirmPath), http.StatusSeeOther)
}

// confirm serves /confirmUser: the sign-up code, or (resend=1) a new one.
func (h *Hosted) confirm(w http.ResponseWriter, r *http.Request) {
	f := h.beginForm(w, r)
	if f == nil {
		return
	}
	st, ok := loadChallenge(r)
	if !ok || st.Name != stateConfirm {
		h.loginPage(w, r, f, http.StatusBadRequest, pages.Page{Error: pages.Message{Key: pages.MsgSessionExpired}})
		return
	}
	show := func(status int, errm, notice pages.Message) {
		h.page(w, r, f, status, pages.Page{Kind: pages.Confirm, Error: errm, Notice: notice, ResendAction: f.path(ConfirmPath) + "&resend=1",
			MFA: pages.MFA{Destination: st.Params["CODE_DELIVERY_DESTINATION"]}, Links: pages.Links{SignIn: f.path(LoginPath)}})
	}
	if r.Method != http.MethodPost {
		show(http.StatusOK, pages.Message{}, codeSent(st.Params["CODE_DELIVERY_DESTINATION"]))
		return
	}
	if err := readPost(w, r); err != nil {
		show(http.StatusBadRequest, postMessage(err), pages.Message{})
		return
	}
	ctx := r.Context()
	if r.URL.Query().Get("resend") == "1" {
		dest, err := h.svc.HostedResendCode(ctx, f.auth, st.Username)
		if err != nil {
			h.refused(w, r, f, err, func(m pages.Message) { show(http.StatusBadRequest, m, pages.Message{}) })
			return
		}
		if st.Params == nil {
			st.Params = map[string]string{}
		}
		st.Params["CODE_DELIVERY_DESTINATION"] = dest
		h.saveChallenge(w, f, *st)
		show(http.StatusOK, pages.Message{}, codeSent(dest))
		return
	}
	if err := h.svc.HostedConfirmSignUp(ctx, f.auth, st.Username, strings.TrimSpace(r.PostForm.Get("code"))); err != nil {
		h.refused(w, r, f, err, func(m pages.Message) { show(http.StatusBadRequest, m, pages.Message{}) })
		return
	}
	clearCookie(w, flowCookie, f.https)
	h.loginPage(w, r, f, http.StatusOK, pages.Page{Notice: pages.Message{Key: pages.MsgAccountConfirmed}, Values: map[string]string{"username": st.Username}})
}

// forgot serves /forgotPassword: the name whose password is to be reset; a code goes out.
func (h *Hosted) forgot(w http.ResponseWriter, r *http.Request) {
	f := h.beginForm(w, r)
	if f == nil {
		return
	}
	show := func(status int, m pages.Message, username string) {
		h.page(w, r, f, status, pages.Page{Kind: pages.ForgotPassword, Error: m, Values: map[string]string{"username": username},
			Links: pages.Links{SignIn: f.path(LoginPath)}})
	}
	if r.Method != http.MethodPost {
		name := ""
		if st, ok := loadChallenge(r); ok && st.Name == stateReset {
			name = st.Username
		}
		show(http.StatusOK, pages.Message{}, name)
		return
	}
	if err := readPost(w, r); err != nil {
		show(http.StatusBadRequest, postMessage(err), "")
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	dest, err := h.svc.HostedForgotPassword(r.Context(), f.auth, username)
	if err != nil {
		h.refused(w, r, f, err, func(m pages.Message) { show(http.StatusBadRequest, m, username) })
		return
	}
	h.saveChallenge(w, f, challengeState{Name: stateReset, Session: "-", Username: username, Params: map[string]string{"CODE_DELIVERY_DESTINATION": dest}})
	h.redirect(w, f, f.path(ResetPath), http.StatusSeeOther)
}

// reset serves /confirmForgotPassword: the code and the new password.
func (h *Hosted) reset(w http.ResponseWriter, r *http.Request) {
	f := h.beginForm(w, r)
	if f == nil {
		return
	}
	st, ok := loadChallenge(r)
	if !ok || st.Name != stateReset {
		h.redirect(w, f, f.path(ForgotPath), http.StatusSeeOther)
		return
	}
	show := func(status int, errm, notice pages.Message) {
		h.page(w, r, f, status, pages.Page{Kind: pages.ResetPassword, Error: errm, Notice: notice,
			MFA: pages.MFA{Destination: st.Params["CODE_DELIVERY_DESTINATION"]}, Links: pages.Links{SignIn: f.path(LoginPath)}})
	}
	if r.Method != http.MethodPost {
		show(http.StatusOK, pages.Message{}, codeSent(st.Params["CODE_DELIVERY_DESTINATION"]))
		return
	}
	if err := readPost(w, r); err != nil {
		show(http.StatusBadRequest, postMessage(err), pages.Message{})
		return
	}
	err := h.svc.HostedConfirmForgotPassword(r.Context(), f.auth, st.Username, strings.TrimSpace(r.PostForm.Get("code")), r.PostForm.Get("password"))
	if err != nil {
		h.refused(w, r, f, err, func(m pages.Message) { show(http.StatusBadRequest, m, pages.Message{}) })
		return
	}
	clearCookie(w, flowCookie, f.https)
	h.loginPage(w, r, f, http.StatusOK, pages.Page{Notice: pages.Message{Key: pages.MsgPasswordReset}, Values: map[string]string{"username": st.Username}})
}

// beginForm is begin for the pages with a form, which answer GET and POST only.
func (h *Hosted) beginForm(w http.ResponseWriter, r *http.Request) *flow {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		methodNotAllowed(w, "GET, POST")
		return nil
	}
	return h.begin(w, r)
}

func codeSent(dest string) pages.Message {
	if dest == "" {
		return pages.Message{}
	}
	return pages.Message{Key: pages.MsgCodeSent, Args: []any{dest}}
}
