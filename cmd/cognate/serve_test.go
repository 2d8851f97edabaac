package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/pkg/app/apptest"
	"github.com/cognatehq/cognate/pkg/clock"
)

// A malformed --admin-keys entry may be all secret (a forgotten colon): the error that ends up
// on the terminal or in a CI log names its position, never its text.
func TestAdminKeysErrorHidesSecret(t *testing.T) {
	const secret = "wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY"
	for _, keys := range []string{secret, "AKID1:s1," + secret, "AKID1/" + secret, ":" + secret, secret + ":"} {
		_, err := openLocal(context.Background(), &serveConfig{addr: "127.0.0.1:0", memory: true, adminKeys: keys}, clock.System{}, nil)
		if err == nil {
			t.Fatalf("%q: accepted", keys)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%q: the error shows the secret: %v", keys, err)
		}
		if !strings.Contains(err.Error(), "--admin-keys") {
			t.Errorf("%q: err %v, want an --admin-keys problem", keys, err)
		}
	}
}

// --admin-origins lets a browser admin console on the named origins call admin operations; every
// other page is refused, and so is a bad list at start.
func TestServeAdminOrigins(t *testing.T) {
	r := startLocal(t, "", func(c *serveConfig) { c.adminOrigins = "http://localhost:3000, https://Admin.Example/" })
	c := apptest.NewClient(r.endpoint, "any", "key")
	for origin, want := range map[string]string{
		"":                       "",
		"http://localhost:3000":  "",
		"https://admin.example":  "",
		"http://localhost:3001":  "AccessDeniedException",
		"https://evil.example":   "AccessDeniedException",
		"null":                   "AccessDeniedException",
		"https://admin.example.": "AccessDeniedException",
	} {
		var opts []func(*cip.Options)
		if origin != "" {
			opts = append(opts, apptest.WithOrigin(origin))
		}
		_, err := c.ListUserPools(context.Background(), &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)}, opts...)
		var ae smithy.APIError
		switch {
		case want == "" && err != nil:
			t.Errorf("Origin %q: %v", origin, err)
		case want != "" && (!errors.As(err, &ae) || ae.ErrorCode() != want):
			t.Errorf("Origin %q: %v, want %s", origin, err, want)
		}
	}
	for _, bad := range []string{"*", "null", "admin.example", "https://admin.example/console", "ftp://admin.example", "https://", "https://user@admin.example"} {
		_, err := openLocal(context.Background(), &serveConfig{addr: "127.0.0.1:0", memory: true, adminOrigins: "http://localhost:3000," + bad}, clock.System{}, nil)
		if err == nil || !strings.Contains(err.Error(), "--admin-origins") {
			t.Errorf("--admin-origins %q: %v", bad, err)
		}
	}
}
