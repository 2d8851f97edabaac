package emailotp

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/infra/ses/seslocal"
	"github.com/cognatehq/cognate/pkg/hooks/hooktest"
)

func TestMain(m *testing.M) { seslocal.Main(m) }

type round = events.CognitoEventUserPoolsChallengeResult

func custom(ok bool) *round {
	return &round{ChallengeName: "CUSTOM_CHALLENGE", ChallengeResult: ok, ChallengeMetadata: "CODE-123456"}
}

var verified = map[string]string{"email": "ann@example.com", "email_verified": "true"}

func TestDefine(t *testing.T) {
	for _, tc := range []struct {
		name     string
		attrs    map[string]string
		notFound bool
		session  []*round
		want     string // CUSTOM_CHALLENGE, issueTokens or failAuthentication
	}{
		{"the first round poses the code", verified, false, nil, "CUSTOM_CHALLENGE"},
		{"a right answer signs in", verified, false, []*round{custom(true)}, "issueTokens"},
		{"a right answer after two wrong ones signs in", verified, false, []*round{custom(false), custom(false), custom(true)}, "issueTokens"},
		{"a wrong answer may be followed by another", verified, false, []*round{custom(false)}, "CUSTOM_CHALLENGE"},
		{"two wrong answers too", verified, false, []*round{custom(false), custom(false)}, "CUSTOM_CHALLENGE"},
		{"the third wrong answer fails", verified, false, []*round{custom(false), custom(false), custom(false)}, "failAuthentication"},
		{"a user Cognito did not find fails", nil, true, nil, "failAuthentication"},
		{"no verified address fails", map[string]string{"email": "ann@example.com", "email_verified": "false"}, false, nil, "failAuthentication"},
		{"no address fails", map[string]string{"phone_number": "+15555550100"}, false, nil, "failAuthentication"},
		{"an SRP start is not this design", verified, false, []*round{{ChallengeName: "SRP_A", ChallengeResult: true}}, "failAuthentication"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ev events.CognitoEventUserPoolsDefineAuthChallenge
			ev.TriggerSource = "DefineAuthChallenge_Authentication"
			ev.Request.UserAttributes, ev.Request.UserNotFound, ev.Request.Session = tc.attrs, tc.notFound, tc.session
			out, err := Define(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			r := out.Response
			got := r.ChallengeName
			switch {
			case r.IssueTokens && !r.FailAuthentication && got == "":
				got = "issueTokens"
			case r.FailAuthentication && !r.IssueTokens && got == "":
				got = "failAuthentication"
			case r.IssueTokens || r.FailAuthentication:
				got = "a contradiction"
			}
			if got != tc.want {
				t.Fatalf("Define answered %+v, want %s", r, tc.want)
			}
		})
	}
}

func TestCreate(t *testing.T) {
	endpoint := seslocal.Endpoint(t)
	cfg := CreateConfig{From: "Acme <codes@acme.example>", AppName: "Acme", CallTimeout: hooktest.CallTimeout}
	create := Create(cfg, seslocal.NewClient(endpoint))
	event := func(to string, session ...*round) events.CognitoEventUserPoolsCreateAuthChallenge {
		var ev events.CognitoEventUserPoolsCreateAuthChallenge
		ev.TriggerSource = "CreateAuthChallenge_Authentication"
		ev.Request.ChallengeName = "CUSTOM_CHALLENGE"
		ev.Request.UserAttributes = map[string]string{"email": to, "email_verified": "true"}
		ev.Request.Session = session
		return ev
	}

	const to = "zoe.otp@create.example"
	first, err := create(context.Background(), event(to))
	if err != nil {
		t.Fatal(err)
	}
	code := first.Response.PrivateChallengeParameters["code"]
	if !regexp.MustCompile(`^\d{6}$`).MatchString(code) || first.Response.ChallengeMetadata != "CODE-"+code ||
		len(first.Response.PublicChallengeParameters) != 1 || first.Response.PublicChallengeParameters["email"] != "z***@create.example" {
		t.Fatalf("first round %+v", first.Response)
	}
	mailed, n := hooktest.Code(t, endpoint, to)
	if mailed != code || n != 1 {
		t.Fatalf("mailed %q (%d mails), posed %q", mailed, n, code)
	}
	m := seslocal.Messages(t, endpoint, to)[0]
	if m.From != cfg.From || m.Subject != "Your Acme sign-in code" || m.Body.HTML == nil || !strings.Contains(*m.Body.HTML, code) {
		t.Fatalf("mail %+v", m)
	}

	t.Run("after a wrong answer the same code is posed, not mailed again", func(t *testing.T) {
		prev := &round{ChallengeName: "CUSTOM_CHALLENGE", ChallengeResult: false, ChallengeMetadata: first.Response.ChallengeMetadata}
		again, err := create(context.Background(), event(to, prev))
		if err != nil {
			t.Fatal(err)
		}
		if again.Response.PrivateChallengeParameters["code"] != code || again.Response.ChallengeMetadata != "CODE-"+code {
			t.Fatalf("second round %+v", again.Response)
		}
		if _, n := hooktest.Code(t, endpoint, to); n != 1 {
			t.Fatalf("%d mails", n)
		}
	})

	t.Run("a round without a usable code mails a new one", func(t *testing.T) {
		prev := &round{ChallengeName: "CUSTOM_CHALLENGE", ChallengeMetadata: "CODE-12x456"}
		out, err := create(context.Background(), event(to, prev))
		if err != nil {
			t.Fatal(err)
		}
		mailed, n := hooktest.Code(t, endpoint, to)
		if n != 2 || mailed != out.Response.PrivateChallengeParameters["code"] {
			t.Fatalf("%d mails, newest code %q, posed %+v", n, mailed, out.Response)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		ev := event("")
		if _, err := create(context.Background(), ev); !errors.Is(err, ErrNoAddress) {
			t.Errorf("no address: %v", err)
		}
		ev = event(to)
		ev.Request.UserAttributes["email_verified"] = "false"
		if _, err := create(context.Background(), ev); !errors.Is(err, ErrNoAddress) {
			t.Errorf("unverified address: %v", err)
		}
		ev = event(to)
		ev.Request.ChallengeName = "SMS_MFA"
		if _, err := create(context.Background(), ev); err == nil {
			t.Error("made an SMS_MFA challenge")
		}
	})
}

func TestVerify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		code   string
		answer any
		want   bool
	}{
		{"the code", "042917", "042917", true},
		{"spaces around it", "042917", " 042917\n", true},
		{"another code", "042917", "042918", false},
		{"a prefix", "042917", "04291", false},
		{"empty", "042917", "", false},
		{"not a string", "042917", 42917, false},
		{"no code kept", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ev events.CognitoEventUserPoolsVerifyAuthChallenge
			ev.Request.PrivateChallengeParameters = map[string]string{}
			if tc.code != "" {
				ev.Request.PrivateChallengeParameters["code"] = tc.code
			}
			ev.Request.ChallengeAnswer = tc.answer
			out, err := Verify(context.Background(), ev)
			if err != nil || out.Response.AnswerCorrect != tc.want {
				t.Fatalf("answerCorrect %v (%v), want %v", out.Response.AnswerCorrect, err, tc.want)
			}
		})
	}
}

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c, err := NewCode()
		if err != nil || !regexp.MustCompile(`^\d{6}$`).MatchString(c) {
			t.Fatalf("%q %v", c, err)
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Fatalf("%d distinct codes in 200", len(seen))
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"ann@example.com": "a***@example.com", "a@b.c": "a***@b.c", "@x": "***", "none": "***"} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCreateConfigFromEnv(t *testing.T) {
	_, err := CreateConfigFromEnv(func(string) string { return "" })
	for _, want := range []string{"FROM_ADDRESS is not set", "APP_NAME is not set"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err %v, want %q", err, want)
		}
	}
}
