package ses

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cognatehq/cognate/pkg/mail"
)

func TestUnsent(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	http500 := &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 500}}, Err: errors.New("internal failure")}
	cases := []struct {
		name string
		err  error
		want aws.Ternary
	}{
		{"TooManyRequests", &types.TooManyRequestsException{}, aws.TrueTernary},
		{"LimitExceeded", &types.LimitExceededException{}, aws.TrueTernary},
		{"wrapped throttle", fmt.Errorf("op: %w", &types.TooManyRequestsException{}), aws.TrueTernary},
		{"refused", &smithyhttp.RequestSendError{Err: dial}, aws.TrueTernary},
		{"reset after sending", &smithyhttp.RequestSendError{Err: reset}, aws.FalseTernary},
		{"5xx", http500, aws.FalseTernary},
		{"MessageRejected", &types.MessageRejected{}, aws.FalseTernary},
		{"SendingPaused", &types.SendingPausedException{}, aws.FalseTernary},
		{"deadline while dialing", &net.OpError{Op: "dial", Err: context.DeadlineExceeded}, aws.FalseTernary},
		{"cancelled", context.Canceled, aws.FalseTernary},
		{"other", errors.New("boom"), aws.FalseTernary},
	}
	for _, tc := range cases {
		if got := unsent(tc.err); got != tc.want {
			t.Errorf("%s: unsent = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestTextFromHTML(t *testing.T) {
	cases := []struct{ in, want string }{
		{"<p>Your code is <b>123456</b></p>", "Your code is 123456"},
		{"<html><head><title>T</title><style>p{color:red}</style></head><body><p>A</p><p>B &amp; C</p></body></html>", "A\nB & C"},
		{"Line<br>next<br/>last", "Line\nnext\nlast"},
		{"<!-- hidden > still hidden --><div>x</div>", "x"},
		{"<script>alert('<b>')</script>ok", "ok"},
		{"pw <code>A&lt;b&gt;&amp;1</code>", "pw A<b>&1"},
		{"1 < 2 and <P CLASS=x>para</P>", "1 < 2 and\npara"},
		{"unterminated <b", "unterminated <b"},
	}
	for _, tc := range cases {
		if got := textFromHTML(tc.in); got != tc.want {
			t.Errorf("textFromHTML(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsHTML(t *testing.T) {
	render := func(tpl, username, code string) mail.Message {
		_, body, err := mail.Render(mail.AdminCreateUser, mail.Email, mail.Templates{InviteEmailMessage: tpl}, username, code)
		if err != nil {
			t.Fatal(err)
		}
		return mail.Message{Channel: mail.Email, Body: body, Username: username, Code: code, Kind: mail.AdminCreateUser}
	}
	cases := []struct {
		name           string
		tpl, user, pw  string
		want           bool
		withoutCodeToo bool // still right when the caller left Code empty
	}{
		{"text", "Hi {username}, pw {####}", "jane", "Abc123!x", false, true},
		{"html", "<p>Hi {username}, pw {####}</p>", "jane", "Abc123!x", true, true},
		{"text, markup username", "Hi {username}, pw {####}", "<b>jane</b>", "Abc123!x", false, true},
		{"text, markup password", "Hi {username}, pw {####}", "jane", "Pw<i>1</i>", false, false},
		{"html, markup values", "<p>Hi {username}, pw {####}</p>", "<b>jane</b>", "Pw<i>1</i>", true, true},
	}
	for _, tc := range cases {
		m := render(tc.tpl, tc.user, tc.pw)
		if got := isHTML(m); got != tc.want {
			t.Errorf("%s: isHTML = %v, want %v (body %q)", tc.name, got, tc.want, m.Body)
		}
		if tc.withoutCodeToo {
			m.Code = ""
			if got := isHTML(m); got != tc.want {
				t.Errorf("%s without Code: isHTML = %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func TestTagValue(t *testing.T) {
	cases := map[string]string{
		"us-east-1_AbC123": "us-east-1_AbC123",
		"local.pool:1":     "local_pool_1",
		"é":                "__", // two bytes, two replacements
		"":                 "",
	}
	for in, want := range cases {
		if got := tagValue(in); got != want {
			t.Errorf("tagValue(%q) = %q, want %q", in, got, want)
		}
	}
	if got := tagValue(string(make([]byte, 300))); len(got) != 256 {
		t.Errorf("long value: %d bytes", len(got))
	}
}

func TestFromEncoding(t *testing.T) {
	cases := map[string]string{
		"no-reply@acme.example":                 "no-reply@acme.example",
		"Acme Accounts <no-reply@acme.example>": "Acme Accounts <no-reply@acme.example>",
		"Ācme <no-reply@acme.example>":          "=?utf-8?q?=C4=80cme?= <no-reply@acme.example>",
	}
	for in, want := range cases {
		if got := encodeFrom(in); got != want {
			t.Errorf("encodeFrom(%q) = %q, want %q", in, got, want)
		}
	}
	if err := checkAddress("no-reply@bücher.example", true); err == nil {
		t.Error("a non-ASCII address was accepted")
	}
}
