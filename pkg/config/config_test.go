package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func valid() map[string]string {
	return map[string]string{
		"AWS_REGION": "eu-west-1", "COGNATE_TABLE": "cognate", "COGNATE_SIGNER_MODE": "kms-envelope",
		"COGNATE_ENVELOPE_KEY_ARN": "arn:aws:kms:eu-west-1:111122223333:key/abc", "COGNATE_ORIGIN_VERIFY": "0123456789abcdef0123",
	}
}

func TestParseValid(t *testing.T) {
	m := valid()
	m["COGNATE_REPLY_TO"] = "a@example.com, b@example.com"
	m["COGNATE_ADMIN_KEYS"] = "AKID1:s1,AKID2:s2"
	m["COGNATE_CALL_TIMEOUT"] = "2s"
	c, err := Parse(env(m))
	if err != nil {
		t.Fatal(err)
	}
	if c.Region != "eu-west-1" || len(c.ReplyTo) != 2 || c.AdminKeys["AKID2"] != "s2" || c.CallTimeout != 2*time.Second || c.LogLevel != "info" || c.AccountID != "000000000000" {
		t.Fatalf("%+v", c)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse(env(map[string]string{"COGNATE_SIGNER_MODE": "plain", "COGNATE_CALL_TIMEOUT": "forever", "COGNATE_ADMIN_KEYS": "nosecret", "COGNATE_FROM_ADDRESS": "nobody"}))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"AWS_REGION", "COGNATE_TABLE", "COGNATE_ORIGIN_VERIFY", "COGNATE_SIGNER_MODE", "COGNATE_ENVELOPE_KEY_ARN", "COGNATE_CALL_TIMEOUT", "COGNATE_ADMIN_KEYS", "COGNATE_FROM_ADDRESS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestParseKeepsAdminSecretsOutOfErrors(t *testing.T) {
	for _, keys := range []string{"AKID1:s1,wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY", "AKID1/wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY", ":wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY"} {
		m := valid()
		m["COGNATE_ADMIN_KEYS"] = keys
		_, err := Parse(env(m))
		if err == nil || !strings.Contains(err.Error(), "COGNATE_ADMIN_KEYS") {
			t.Fatalf("%q: err %v, want a COGNATE_ADMIN_KEYS problem", keys, err)
		}
		if strings.Contains(err.Error(), "wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY") {
			t.Errorf("%q: the error shows the secret: %v", keys, err)
		}
	}
}

func TestParseRules(t *testing.T) {
	for name, tc := range map[string]struct {
		set  map[string]string
		want string
	}{
		"kms mode":                  {map[string]string{"COGNATE_SIGNER_MODE": "kms"}, ""},
		"issuer must be https":      {map[string]string{"COGNATE_ISSUER_BASE": "http://auth.example.com"}, "COGNATE_ISSUER_BASE"},
		"issuer must be an origin":  {map[string]string{"COGNATE_ISSUER_BASE": "https://auth.example.com/x"}, "COGNATE_ISSUER_BASE"},
		"origin secret too short":   {map[string]string{"COGNATE_ORIGIN_VERIFY": "short"}, "COGNATE_ORIGIN_VERIFY"},
		"custom domain is accepted": {map[string]string{"COGNATE_ISSUER_BASE": "https://auth.example.com", "COGNATE_ORIGIN_VERIFY": ""}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			m := valid()
			for k, v := range tc.set {
				m[k] = v
			}
			_, err := Parse(env(m))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error about %s, got %v", tc.want, err)
			}
		})
	}
}
