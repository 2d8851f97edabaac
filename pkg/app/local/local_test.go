package local_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/mail/outbox"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// TestDataDirSurvivesRestart: a second Open of a data directory finds the pools of the first,
// and can open what the first sealed (the service's secret), so the master key was kept.
func TestDataDirSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	o := local.Options{DataDir: filepath.Join(t.TempDir(), "data")}
	var poolID string
	for run := range 2 {
		l, err := local.Open(ctx, o)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		r, err := local.ApplySeed(ctx, l.App.Service, local.ReadyPool("eu-west-1"))
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if run == 0 {
			poolID = r.PoolID
		}
		if r.PoolID != "eu-west-1_Cognate01" || r.PoolID != poolID || len(r.Clients) != 1 || r.Clients[0] != local.ReadyClientID {
			t.Fatalf("run %d: ready pool %+v", run, r)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

type recordingMail struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (m *recordingMail) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}

type countingSigner struct {
	signer.Signer
	mu sync.Mutex
	n  int
}

func (s *countingSigner) Sign(ctx context.Context, poolID string, use signer.KeyUse, in []byte) (string, []byte, error) {
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
	return s.Signer.Sign(ctx, poolID, use, in)
}

// TestOptionsReachTheService: Mail and WrapSigner are what the service uses, and the outbox's
// path answers whether the outbox is on or off.
func TestOptionsReachTheService(t *testing.T) {
	ctx := context.Background()
	for _, on := range []bool{false, true} {
		m, cs := &recordingMail{}, &countingSigner{}
		o := local.Options{IssuerBase: "http://127.0.0.1:9229", Mail: m, WrapSigner: func(s signer.Signer) signer.Signer { cs.Signer = s; return cs }}
		if on {
			o.Outbox = outbox.New(nil, nil, 0)
		}
		l, err := local.Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		svc := l.App.Service
		if _, err := local.ApplySeed(ctx, svc, local.ReadyPool("us-east-1")); err != nil {
			t.Fatal(err)
		}
		email, pw := "ann@example.com", "Passw0rd!x"
		if _, err := svc.SignUp(ctx, &api.SignUpInput{ClientId: local.ReadyClientID, Username: email, Password: &pw,
			UserAttributes: []model.AttributeType{{Name: "email", Value: &email}}}); err != nil {
			t.Fatal(err)
		}
		if len(m.sent) != 1 || m.sent[0].To != email {
			t.Fatalf("outbox %v: Mail got %+v, want the sign-up code", on, m.sent)
		}
		if _, err := svc.AdminConfirmSignUp(ctx, &api.AdminConfirmSignUpInput{UserPoolId: local.ReadyPoolID, Username: email}); err != nil {
			t.Fatal(err)
		}
		out, err := svc.InitiateAuth(ctx, &api.InitiateAuthInput{ClientId: local.ReadyClientID, AuthFlow: "USER_PASSWORD_AUTH",
			AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": pw}})
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("sign-in: %+v %v", out, err)
		}
		if cs.n != 2 {
			t.Fatalf("outbox %v: the wrapped signer signed %d tokens, want 2 (ID and access)", on, cs.n)
		}
		w := httptest.NewRecorder()
		l.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, outbox.Path, nil))
		if on && w.Code != http.StatusOK || !on && (w.Code != http.StatusNotFound || w.Header().Get("X-Amzn-Errortype") != "ResourceNotFoundException") {
			t.Fatalf("outbox %v: GET %s = %d %v %s", on, outbox.Path, w.Code, w.Header(), w.Body)
		}
	}
}
