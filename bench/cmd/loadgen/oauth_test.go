package main

import (
	"encoding/base64"
	"regexp"
	"testing"
)

func TestRS256JWTs(t *testing.T) {
	jwt := func(header string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(header)) + ".e30.c2ln"
	}
	out := map[string]any{
		"access_token":  jwt(`{"alg":"RS256","kid":"k"}`),
		"id_token":      jwt(`{"alg":"RS256"}`),
		"refresh_token": "opaque-or.five.part.jwe.token",
		"token_type":    "Bearer",
	}
	if n := rs256JWTs(out); n != 2 {
		t.Fatalf("counted %v signatures, want 2", n)
	}
	out["refresh_token"] = jwt(`{"alg":"none"}`)
	if n := rs256JWTs(out); n != 2 {
		t.Fatalf("an unsigned JWT counted: %v", n)
	}
	if n := rs256JWTs(map[string]any{"access_token": jwt(`{"alg":"RS256"}`)}); n != 1 {
		t.Fatalf("client credentials: %v, want 1", n)
	}
}

func TestCSRFField(t *testing.T) {
	e := &oauthEnv{csrfField: regexp.MustCompile(`name="csrf" value="([^"]+)"`)}
	page := []byte(`<form method="post" action="/login?a=b"><input type="hidden" name="csrf" value="abc_-123"><input name="username">`)
	if m := e.csrfField.FindSubmatch(page); m == nil || string(m[1]) != "abc_-123" {
		t.Fatalf("csrf field: %q", m)
	}
}
