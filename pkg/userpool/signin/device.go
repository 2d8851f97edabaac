package signin

import (
	"context"
	"encoding/hex"

	"github.com/cognatehq/cognate/pkg/srp"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/devices"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/sessions"
)

// presentedDevice judges the DEVICE_KEY of a sign-in step: nil when none was presented or the
// pool does not track devices, the device when it is one of the user's, and "Device does not
// exist." otherwise — clients then drop their stored key and retry without it.
func (s *SignIn) presentedDevice(ctx context.Context, st *signInStep) (*devices.Record, error) {
	if st.device == "" || !st.pool.DeviceTracking() {
		return nil, nil
	}
	d, _, err := s.devices.Live(ctx, st.pool, st.user, st.device)
	return d, err
}

// deviceSRPChallenge answers a sign-in that presented a known device: DEVICE_SRP_AUTH, whose
// parameters are empty (clients keep the user name they already have). A device confirmed
// without a verifier cannot be proven; its sign-in gets tokens bound to it without the
// challenge (and so never skips MFA).
func (s *SignIn) deviceSRPChallenge(ctx context.Context, st *signInStep, d *devices.Record) (*api.AuthOutput, error) {
	if len(d.Verifier) == 0 {
		res, err := s.signIn(ctx, st, d.Key, nil)
		if err != nil {
			return nil, err
		}
		return &api.AuthOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
	}
	p, c, u := st.pool, st.client, st.user
	tok, err := s.nextChallenge(ctx, st, sessions.Session{PoolID: p.Id, ClientID: c.ID, UserKey: u.Stored.Key, Sub: u.Sub(), Username: u.Username,
		Challenge: challengeDeviceSRP, Data: map[string]string{sessions.KeyDevice: d.Key}})
	if err != nil {
		return nil, err
	}
	return &api.AuthOutput{ChallengeName: challengeDeviceSRP, Session: tok, ChallengeParameters: map[string]string{}}, nil
}

func init() {
	registerAnswer(challengeDeviceSRP, &signInHandler{username: true, read: readDeviceSRP, session: challengeDeviceSRP, decide: decideDeviceSRP})
	registerAnswer(challengeDeviceVerifier, &signInHandler{username: true, read: readDeviceProof, session: challengeDeviceVerifier,
		ticket: deviceBlockTicket, decide: decideDeviceVerifier})
}

// readDeviceSRP reads DEVICE_SRP_AUTH's DEVICE_KEY and SRP_A.
func readDeviceSRP(c *signInCall) (err error) {
	if c.params["DEVICE_KEY"] == "" {
		return msg.MissingParam("DEVICE_KEY")
	}
	c.srpA, err = readSRPA(c.params)
	return err
}

// decideDeviceSRP answers DEVICE_SRP_AUTH {USERNAME, DEVICE_KEY, SRP_A} with
// DEVICE_PASSWORD_VERIFIER {SRP_B, SALT, SECRET_BLOCK, USERNAME, DEVICE_KEY}.
func decideDeviceSRP(ctx context.Context, s *SignIn, call *signInCall) (*signInDecision, error) {
	p, c, u, sess, key, A := call.pool, call.client, call.user, call.sess, call.params["DEVICE_KEY"], call.srpA
	if key != sess.Data[sessions.KeyDevice] {
		return nil, msg.InvalidSession() // the session proves the device it was issued for
	}
	d, _, err := s.devices.Live(ctx, p, u, key)
	if err != nil {
		return nil, err
	}
	if len(d.Verifier) == 0 {
		return nil, msg.DeviceNotFound()
	}
	tok, err := s.sessions.NewToken()
	if err != nil {
		return nil, msg.Internal(err)
	}
	block, B, err := s.srpStep(ctx, c, challengeDeviceVerifier, tok, d.Verifier,
		&secretBlock{Pool: p.Id, Client: c.ID, User: u.Stored.Key, Sub: u.Sub(), UserID: d.Key, Device: d.Key}, A)
	if err != nil {
		return nil, msg.Internal(err)
	}
	next := sessions.Session{PoolID: p.Id, ClientID: c.ID, UserKey: u.Stored.Key, Sub: u.Sub(), Username: u.Username, Challenge: challengeDeviceVerifier,
		Data: map[string]string{sessions.KeyDevice: d.Key, sessions.KeySecretBlock: blockHash(block)}}
	// The next Session is bound into the block, so it is minted here and committed as an op.
	st := &signInStep{pool: p, client: c, user: u, consume: call.consume}
	return &signInDecision{step: st, ops: []store.Op{s.sessions.Op(c, tok, next)}, out: &api.AuthOutput{ChallengeName: challengeDeviceVerifier, Session: tok,
		ChallengeParameters: map[string]string{
			"SRP_B": srp.HexInt(B), "SALT": hex.EncodeToString(d.Salt), "SECRET_BLOCK": block, "USERNAME": u.Username, "DEVICE_KEY": d.Key,
		}}}, nil
}

// readDeviceProof reads DEVICE_PASSWORD_VERIFIER's DEVICE_KEY and proof.
func readDeviceProof(c *signInCall) (err error) {
	if c.params["DEVICE_KEY"] == "" {
		return msg.MissingParam("DEVICE_KEY")
	}
	c.proof, err = readProof(c.params)
	return err
}

// deviceBlockTicket opens the SECRET_BLOCK the answer echoes, which must be the one its Session
// was issued with.
func deviceBlockTicket(ctx context.Context, s *SignIn, c *signInCall) (err error) {
	c.block, c.blockRaw, err = s.openSecretBlock(ctx, c.pool, c.client, challengeDeviceVerifier, c.token, c.sess, c.proof.block)
	return err
}

// decideDeviceVerifier answers DEVICE_PASSWORD_VERIFIER: the device's proof, then tokens bound
// to it. The password verdict was given earlier in this sign-in; the device proof is a second
// factor of possession, not a password, so it does not count toward lockout.
func decideDeviceVerifier(ctx context.Context, s *SignIn, call *signInCall) (*signInDecision, error) {
	p, c, u, b, raw, pr, key := call.pool, call.client, call.user, call.block, call.blockRaw, call.proof, call.params["DEVICE_KEY"]
	if key != b.Device || b.Sub != u.Sub() {
		return nil, msg.InvalidSession()
	}
	d, it, err := s.devices.Live(ctx, p, u, key)
	if err != nil {
		return nil, err
	}
	if !s.verifySRP(b, raw, pr, d.Verifier, d.GroupKey) {
		return nil, msg.Incorrect()
	}
	if !u.Enabled {
		return nil, msg.UserDisabled()
	}
	now := s.Now()
	d.LastAuth, d.Modified = now, now
	touch := s.devices.PutOp(p, u, d, it, store.Cond{Kind: store.CondVersion, Version: it.Version})
	st := &signInStep{pool: p, client: c, user: u, consume: call.consume, meta: call.meta,
		tokenSource: trigger.TokenGenerationAuthenticateDevice}
	return &signInDecision{step: st, tokens: true, device: d.Key, ops: []store.Op{touch}}, nil
}
