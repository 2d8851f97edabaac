package hookkit

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// stalled is an endpoint that accepts connections and never answers, as a hung AWS API would.
func stalled(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range conns {
					_ = c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { _ = l.Close(); <-done })
	return "http://" + l.Addr().String()
}

// Every AWS call ends at its deadline, well inside Cognito's 5 s for a trigger, however long the
// API takes (a Lambda's own context may allow more: the function's timeout).
func TestDeadline(t *testing.T) {
	endpoint := stalled(t)
	creds := credentials.NewStaticCredentialsProvider("AKIDSTALLED", "stalled", "")
	const timeout = 300 * time.Millisecond
	for name, call := range map[string]func(context.Context) error{
		"GetItem": func(ctx context.Context) error {
			db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: creds})
			_, err := GetItem(ctx, db, timeout, "users", "sub", "x")
			return err
		},
		"SendEmail": func(ctx context.Context) error {
			ses := sesv2.New(sesv2.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: creds})
			return Send(ctx, ses, timeout, Mail{From: "a@example.com", To: "b@example.com", Subject: "s", Text: "t"})
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			err := call(ctx)
			if took := time.Since(start); err == nil || took > 10*timeout {
				t.Fatalf("err %v after %v; want a deadline error after about %v", err, took, timeout)
			}
		})
	}
}

func TestEnv(t *testing.T) {
	env := map[string]string{"TABLE": " users ", "FROM": "Acme <no-reply@acme.example>", "BAD_FROM": "not an address", "CALL_TIMEOUT": "750ms"}
	e := Env{Getenv: func(k string) string { return env[k] }}
	if v := e.Required("TABLE", "a table"); v != "users" {
		t.Errorf("Required = %q", v)
	}
	if v := e.Address("FROM", "a sender"); v != "Acme <no-reply@acme.example>" {
		t.Errorf("Address = %q", v)
	}
	if d := e.CallTimeout(); d != 750*time.Millisecond {
		t.Errorf("CallTimeout = %v", d)
	}
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	e.Required("MISSING", "something needed")
	e.Address("BAD_FROM", "a sender")
	env["CALL_TIMEOUT"] = "-1s"
	e.CallTimeout()
	err := e.Err()
	for _, want := range []string{"MISSING is not set (something needed)", `BAD_FROM="not an address" is not an email address`, `CALL_TIMEOUT="-1s"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("errors %v, want one saying %q", err, want)
		}
	}
	if d := (&Env{Getenv: func(string) string { return "" }}).CallTimeout(); d != DefaultCallTimeout {
		t.Errorf("default CallTimeout = %v", d)
	}
}
