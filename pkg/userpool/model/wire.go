package model

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

func WireTime(t time.Time) *cognito.Time {
	if t.IsZero() {
		return nil
	}
	return cognito.NewTime(t)
}

func MustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain structs are marshalled here
	}
	return b
}

// SecretHash is Base64(HMAC-SHA256(clientSecret, username + clientId)).
func SecretHash(clientSecret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(clientSecret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// CheckSecretHash enforces SECRET_HASH for clients with a secret. usernames lists the spellings
// a client may have hashed (the typed name first, then the internal one): Cognito accepts either.
func CheckSecretHash(c *Client, given string, usernames ...string) error {
	if c.Secret == "" {
		return nil
	}
	if given == "" {
		return cognito.NotAuthorized("Client %s is configured for secret but secret was not received", c.ID)
	}
	for _, u := range usernames {
		if u == "" {
			continue
		}
		want := SecretHash(c.Secret, u, c.ID)
		if subtle.ConstantTimeCompare([]byte(want), []byte(given)) == 1 {
			return nil
		}
	}
	return msg.SecretHashMismatch(c.ID)
}

// CheckClientSecret enforces the raw ClientSecret of GetTokensFromRefreshToken and RevokeToken.
func CheckClientSecret(c *Client, given string) error {
	if c.Secret == "" {
		return nil
	}
	if given == "" {
		return cognito.NotAuthorized("Client %s is configured with secret but SECRET_HASH was not received", c.ID)
	}
	if subtle.ConstantTimeCompare([]byte(c.Secret), []byte(given)) != 1 {
		return msg.SecretHashMismatch(c.ID)
	}
	return nil
}
