package mail_test

import (
	"testing"

	"github.com/cognatehq/cognate/pkg/mail"
)

func TestMaskEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"jane@example.com", "j***@e***"},
		{"Jane.Doe+tag@Example.co.uk", "J***@E***"},
		{"a@b.co", "a***@b***"},
		{"a@b", "a***@b***"},
		{"@example.com", "***@e***"},
		{"jane@", "j***@***"},
		{"@", "***@***"},
		{"janeexample.com", "j***"},
		{"", ""},
		{`"a@b"@example.com`, `"***@e***`},
		{"émile@exämple.fr", "é***@e***"},
		{"用户@例子.中国", "用***@例***"},
		{"😀x@😀.io", "😀***@😀***"},
		{"\xffbad@example.com", "\uFFFD***@e***"},
	}
	for _, tc := range tests {
		if got := mail.MaskEmail(tc.in); got != tc.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+12065551234", "+*******1234"},
		{"+447911123456", "+********3456"},
		{"+4915112345678", "+*********5678"},
		{"+12345", "+*2345"},
		{"+1234", "+****"},
		{"+1", "+*"},
		{"+", "+"},
		{"", ""},
		{"2065551234", "******1234"},
		{"+١٢٣٤٥٦٧", "+***٤٥٦٧"},
	}
	for _, tc := range tests {
		if got := mail.MaskPhone(tc.in); got != tc.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMaskDestination(t *testing.T) {
	if got := mail.MaskDestination(mail.SMS, "+12065551234"); got != "+*******1234" {
		t.Errorf("SMS: %q", got)
	}
	if got := mail.MaskDestination(mail.Email, "jane@example.com"); got != "j***@e***" {
		t.Errorf("Email: %q", got)
	}
	if got := mail.MaskDestination(mail.Channel("?"), "jane@example.com"); got != "j***@e***" {
		t.Errorf("unknown channel: %q", got)
	}
}
