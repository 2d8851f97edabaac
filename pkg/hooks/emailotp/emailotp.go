// Package emailotp is a sample passwordless sign-in: a one-time code mailed to the user's
// verified address, as Cognito's three custom-auth triggers (cognito-protocol.md §3.6). The client
// starts CUSTOM_AUTH with a username only, receives a CUSTOM_CHALLENGE naming the masked address
// the code went to, and answers with the code. It is written on aws-lambda-go's Cognito event
// types, so the same functions run unchanged behind Amazon Cognito and behind Cognate
// (functions/hooks/email-otp-define, email-otp-create and email-otp-verify: Cognito configures
// one function per trigger).
//
//   - Define: the first round poses CUSTOM_CHALLENGE; a right answer issues tokens; after
//     MaxAttempts wrong answers the sign-in fails. A user Cognito did not find, a user without a
//     verified address, and a session holding other challenges (an SRP start) fail at once.
//   - Create: the first round makes a 6-digit code with crypto/rand and mails it through SES.
//     Later rounds, after a wrong answer, pose the same code again without mailing: a typo does
//     not cost the user a new mail, and the attempts count against one code. The code travels to
//     Verify in privateChallengeParameters and to the next round in challengeMetadata
//     ("CODE-123456"), both of which stay inside the user pool; the client sees only
//     publicChallengeParameters {"email": "a***@example.com"}. The code lives as long as the
//     sign-in session (the app client's AuthSessionValidity, 3 minutes by default).
//   - Verify: compares the answer with the code in constant time.
package emailotp

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"math/big"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/hooks/hookkit"
)

// MaxAttempts is how many wrong codes a sign-in may answer before it fails.
const MaxAttempts = 3

const (
	challenge  = "CUSTOM_CHALLENGE"
	metaPrefix = "CODE-"
	codeDigits = 6
)

// Define answers DefineAuthChallenge_Authentication from the session's history.
func Define(_ context.Context, ev events.CognitoEventUserPoolsDefineAuthChallenge) (events.CognitoEventUserPoolsDefineAuthChallenge, error) {
	r := &ev.Response
	r.ChallengeName, r.IssueTokens, r.FailAuthentication = "", false, false
	if ev.Request.UserNotFound || ev.Request.UserAttributes["email"] == "" || ev.Request.UserAttributes["email_verified"] != "true" {
		r.FailAuthentication = true
		return ev, nil
	}
	wrong := 0
	for _, round := range ev.Request.Session {
		if round == nil || round.ChallengeName != challenge {
			// This sample is passwordless: SRP_A or PASSWORD_VERIFIER rounds are another design.
			r.FailAuthentication = true
			return ev, nil
		}
		if !round.ChallengeResult {
			wrong++
		}
	}
	s := ev.Request.Session
	switch {
	case len(s) > 0 && s[len(s)-1].ChallengeResult:
		r.IssueTokens = true
	case wrong >= MaxAttempts:
		r.FailAuthentication = true
	default:
		r.ChallengeName = challenge
	}
	return ev, nil
}

// CreateConfig is what the Create function runs with.
type CreateConfig struct {
	From        string        // FROM_ADDRESS: a verified SES identity
	AppName     string        // APP_NAME: named in the mail's subject and text
	CallTimeout time.Duration // CALL_TIMEOUT
}

// CreateConfigFromEnv reads the Create function's environment.
func CreateConfigFromEnv(getenv func(string) string) (CreateConfig, error) {
	e := hookkit.Env{Getenv: getenv}
	c := CreateConfig{
		From:        e.Address("FROM_ADDRESS", "the verified SES identity sign-in codes are sent from"),
		AppName:     e.Required("APP_NAME", "the application named in the sign-in mail"),
		CallTimeout: e.CallTimeout(),
	}
	return c, e.Err()
}

// ErrNoAddress: Define lets only users with a verified address reach Create.
var ErrNoAddress = errors.New("the user has no verified email address to send a sign-in code to")

// Create answers CreateAuthChallenge_Authentication: a new code mailed through ses in the first
// round, the previous round's code again after a wrong answer.
func Create(cfg CreateConfig, ses hookkit.MailSender) func(context.Context, events.CognitoEventUserPoolsCreateAuthChallenge) (events.CognitoEventUserPoolsCreateAuthChallenge, error) {
	return func(ctx context.Context, ev events.CognitoEventUserPoolsCreateAuthChallenge) (events.CognitoEventUserPoolsCreateAuthChallenge, error) {
		if ev.Request.ChallengeName != challenge {
			return ev, fmt.Errorf("asked for challenge %q; this function makes %s only", ev.Request.ChallengeName, challenge)
		}
		to := ev.Request.UserAttributes["email"]
		if to == "" || ev.Request.UserAttributes["email_verified"] != "true" {
			return ev, ErrNoAddress
		}
		code := previousCode(ev.Request.Session)
		if code == "" {
			var err error
			if code, err = NewCode(); err != nil {
				return ev, err
			}
			if err := hookkit.Send(ctx, ses, cfg.CallTimeout, Message(cfg, to, code)); err != nil {
				return ev, err
			}
		}
		ev.Response.PublicChallengeParameters = map[string]string{"email": Mask(to)}
		ev.Response.PrivateChallengeParameters = map[string]string{"code": code}
		ev.Response.ChallengeMetadata = metaPrefix + code
		return ev, nil
	}
}

// previousCode is the code the last CUSTOM_CHALLENGE round posed, or "" in the first round.
func previousCode(session []*events.CognitoEventUserPoolsChallengeResult) string {
	for i := len(session) - 1; i >= 0; i-- {
		if r := session[i]; r != nil && r.ChallengeName == challenge {
			if code, ok := strings.CutPrefix(r.ChallengeMetadata, metaPrefix); ok && validCode(code) {
				return code
			}
			return ""
		}
	}
	return ""
}

func validCode(s string) bool {
	if len(s) != codeDigits {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// NewCode is a uniformly random 6-digit code.
func NewCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("drawing a sign-in code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// Message is the mail carrying code to address to.
func Message(cfg CreateConfig, to, code string) hookkit.Mail {
	app := cfg.AppName
	return hookkit.Mail{
		From:    cfg.From,
		To:      to,
		Subject: fmt.Sprintf("Your %s sign-in code", app),
		Text:    fmt.Sprintf("Your %s sign-in code is %s\n\nIf you did not try to sign in, ignore this mail.\n", app, code),
		HTML: fmt.Sprintf(`<!DOCTYPE html><html><body style="font-family:sans-serif;color:#222">`+
			`<p>Your %s sign-in code is <b style="font-size:20px;letter-spacing:2px">%s</b></p>`+
			`<p style="color:#777;font-size:12px">If you did not try to sign in, ignore this mail.</p></body></html>`, html.EscapeString(app), code),
	}
}

// Mask hides an address's local part but its first letter: "ann@example.com" -> "a***@example.com".
func Mask(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 1 {
		return "***"
	}
	return addr[:1] + "***" + addr[at:]
}

// Verify answers VerifyAuthChallengeResponse_Authentication: the answer, spaces trimmed, against
// the code Create kept, in constant time.
func Verify(_ context.Context, ev events.CognitoEventUserPoolsVerifyAuthChallenge) (events.CognitoEventUserPoolsVerifyAuthChallenge, error) {
	want := ev.Request.PrivateChallengeParameters["code"]
	got, _ := ev.Request.ChallengeAnswer.(string)
	got = strings.TrimSpace(got)
	ev.Response.AnswerCorrect = want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
	return ev, nil
}
