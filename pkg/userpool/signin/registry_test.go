package signin

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestSignInRegistry holds the registry to Cognito's names: every ChallengeName Cognito accepts
// has a handler or a not-implemented placeholder (and nothing else does), every registered
// answer is bound to a Session or a ticket it must present, and each flow needs the
// ExplicitAuthFlows entry Cognito ties it to.
func TestSignInRegistry(t *testing.T) {
	msg := unknownChallenge("X").Error()
	enum := strings.Split(msg[strings.LastIndex(msg, "[")+1:strings.LastIndex(msg, "]")], ", ")
	slices.Sort(enum)
	if got := slices.Sorted(maps.Keys(signInAnswers)); !slices.Equal(got, enum) {
		t.Errorf("registered answers %v, Cognito's ChallengeNameType %v", got, enum)
	}
	for name, h := range signInAnswers {
		if h == notImplemented {
			continue
		}
		if h.decide == nil || !h.username {
			t.Errorf("%s: an answer decides, for the user its USERNAME names", name)
		}
		if h.session == "" && h.ticket == nil {
			t.Errorf("%s: an answer must be bound to the step it answers (a Session or a ticket)", name)
		}
	}
	for _, name := range []string{"ADMIN_NO_SRP_AUTH"} {
		if signInAnswers[name] != notImplemented {
			t.Errorf("%s: answered, but not implemented", name)
		}
	}
	flows := map[string]string{
		"USER_PASSWORD_AUTH":       "ALLOW_USER_PASSWORD_AUTH",
		"ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
		"ADMIN_NO_SRP_AUTH":        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
		"USER_SRP_AUTH":            "ALLOW_USER_SRP_AUTH",
		"CUSTOM_AUTH":              "ALLOW_CUSTOM_AUTH",
		"USER_AUTH":                "ALLOW_USER_AUTH",
		"REFRESH_TOKEN_AUTH":       "ALLOW_REFRESH_TOKEN_AUTH",
		"REFRESH_TOKEN":            "ALLOW_REFRESH_TOKEN_AUTH",
	}
	if got, want := slices.Sorted(maps.Keys(signInFlows)), slices.Sorted(maps.Keys(flows)); !slices.Equal(got, want) {
		t.Errorf("registered flows %v, want %v", got, want)
	}
	for name, h := range signInFlows {
		if h.allow != flows[name] {
			t.Errorf("%s needs %q, want %q", name, h.allow, flows[name])
		}
	}
	if signInFlows["USER_PASSWORD_AUTH"].caller != callerPublic || signInFlows["ADMIN_USER_PASSWORD_AUTH"].caller != callerAdmin || signInFlows["ADMIN_NO_SRP_AUTH"].caller != callerAdmin {
		t.Error("the password flows are each for one caller")
	}
}

// TestRegisterAnswerTwice: a placeholder gives way to a handler; a handler never silently
// replaces another.
func TestRegisterAnswerTwice(t *testing.T) {
	saved := signInAnswers["ADMIN_NO_SRP_AUTH"]
	t.Cleanup(func() { signInAnswers["ADMIN_NO_SRP_AUTH"] = saved })
	h := &signInHandler{username: true, session: "ADMIN_NO_SRP_AUTH"}
	registerAnswer("ADMIN_NO_SRP_AUTH", h)
	if signInAnswers["ADMIN_NO_SRP_AUTH"] != h {
		t.Fatal("placeholder not replaced")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a second handler for ADMIN_NO_SRP_AUTH was accepted")
		}
	}()
	registerAnswer("ADMIN_NO_SRP_AUTH", &signInHandler{})
}
