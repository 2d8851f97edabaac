package userpool

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// authSession is the server side of a challenge Session: opaque to the client (256 random bits,
// stored only as a hash), bound to pool, client, user and step, expiring after the client's
// AuthSessionValidity, and consumed by the answer (AUTH-07).
type authSession struct {
	PoolID    string            `json:"p"`
	ClientID  string            `json:"c"`
	UserKey   string            `json:"u"`
	Username  string            `json:"n"`
	Challenge string            `json:"ch"`
	Data      map[string]string `json:"d,omitempty"`
}

func sessionID(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (s *Service) newSession(ctx context.Context, c *clientState, sess authSession) (string, error) {
	tok, err := s.randomToken(32)
	if err != nil {
		return "", err
	}
	// Cognito's sessions are long opaque strings; clients only echo them.
	if err := s.repo.PutRecord(ctx, "session", sessionID(tok), mustJSON(sess), s.now().Add(c.sessionTTL())); err != nil {
		return "", err
	}
	return tok, nil
}

func invalidSession() error {
	return cognito.NotAuthorized("Invalid session for the user, session is expired.")
}
