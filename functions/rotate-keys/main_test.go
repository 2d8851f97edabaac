package main

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal"
	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/pkg/awsapp"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/config"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

// TestRotateKeysFunction runs the function's handler as main starts it, on DynamoDB Local and
// local-kms, in both signer modes the template offers.
func TestRotateKeysFunction(t *testing.T) {
	for _, mode := range []string{"kms-envelope", "kms"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			emu := localkms.Start(t)
			ddb := ddblocal.NewClient(ddblocal.Endpoint(t))
			envKey, err := emu.Client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecSymmetricDefault, KeyUsage: types.KeyUsageTypeEncryptDecrypt})
			if err != nil {
				t.Fatal(err)
			}
			env := map[string]string{
				"AWS_REGION":               "us-east-1",
				"COGNATE_ACCOUNT_ID":       "123456789012",
				"COGNATE_TABLE":            ddblocal.CreateTable(t, ddb),
				"COGNATE_ORIGIN_VERIFY":    "origin-secret-0123456789",
				"COGNATE_SIGNER_MODE":      mode,
				"COGNATE_ENVELOPE_KEY_ARN": *envKey.KeyMetadata.Arn,
				// Not the 3 s default: local-kms making RSA keys on a loaded machine may be slower
				// than KMS; the bound itself is pkg/signer's TestKMSSignerDeadline.
				"COGNATE_CALL_TIMEOUT": "30s",
			}
			cfg, err := config.Parse(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			rt, err := awsapp.New(ctx, cfg, awsapp.Clients{
				DynamoDB: ddb,
				KMS:      emu.Client,
				// Never called: rotation sends no mail.
				SNS: sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"), Credentials: aws.AnonymousCredentials{}}),
			}, slog.New(slog.NewJSONHandler(t.Output(), nil)))
			if err != nil {
				t.Fatal(err)
			}

			// Two pools, made as CreateUserPool makes them: keys first, then the pool.
			// newSigner is another process of the mode (its own key cache).
			newSigner := func() signer.Signer {
				var s signer.Signer
				var err error
				if mode == "kms" {
					s, err = signer.NewKMS(rt.Table(), emu.Client, clock.System{}, signer.KMSConfig{})
				} else {
					s, err = signer.NewKMSEnvelope(rt.Table(), emu.Client, *envKey.KeyMetadata.Arn, clock.System{}, nil)
				}
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			keys := newSigner()
			pools := []string{"us-east-1_RotFnA", "us-east-1_RotFnB"}
			for _, p := range pools {
				if err := keys.EnsurePoolKeys(ctx, p); err != nil {
					t.Fatal(err)
				}
				if err := store.NewRepo(rt.Table()).CreatePool(ctx, &store.Pool{ID: p, Data: []byte(`{}`)}); err != nil {
					t.Fatal(err)
				}
			}

			settings, err := awsapp.RotateSettingsFromEnv(func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			handler := rt.RotateKeysHandler(settings)
			ev := events.EventBridgeEvent{Source: "aws.events", DetailType: "Scheduled Event"}

			// Fresh keys are not due.
			rep, err := handler(ctx, ev)
			if err != nil || rep.Pools != 2 || len(rep.Rotated) != 0 || rep.Failed != 0 {
				t.Fatalf("first run: %+v, %v", rep, err)
			}

			// Every key due: four new keys, published at once, signing in 10 minutes.
			rep, err = rt.RotateKeys(ctx, awsapp.RotateSettings{})
			if err != nil || len(rep.Rotated) != 4 || rep.Failed != 0 {
				t.Fatalf("forced run: %+v, %v", rep, err)
			}
			for _, r := range rep.Rotated {
				if d := time.Until(r.NotBefore); d < 9*time.Minute || d > 11*time.Minute {
					t.Fatalf("%+v signs in %v", r, d)
				}
			}
			fresh := newSigner() // keys' own cache learns of them within 5 minutes, before NotBefore
			for _, p := range pools {
				if pub, err := fresh.PublicKeys(ctx, p); err != nil || len(pub) != 4 {
					t.Fatalf("pool %s publishes %d keys (%v), want 4", p, len(pub), err)
				}
			}
			// Run again (an EventBridge retry): nothing new, the rotations are pending.
			rep, err = rt.RotateKeys(ctx, awsapp.RotateSettings{})
			if err != nil || len(rep.Rotated) != 0 || rep.Pending != 4 {
				t.Fatalf("second forced run: %+v, %v", rep, err)
			}

			// Too close to the invocation's deadline, no pool is started and the run fails.
			dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			rep, err = rt.RotateKeys(dctx, awsapp.RotateSettings{})
			if !errors.Is(err, signer.ErrDeadline) || rep.Failed != 4 || len(rep.Rotated) != 0 {
				t.Fatalf("near the deadline: %+v, %v", rep, err)
			}
		})
	}
}

func TestRotateSettingsFromEnv(t *testing.T) {
	get := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	s, err := awsapp.RotateSettingsFromEnv(get(nil))
	if err != nil || s.After != 90*24*time.Hour || s.PublishLead != signer.DefaultPublishLead {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	s, err = awsapp.RotateSettingsFromEnv(get(map[string]string{"COGNATE_ROTATE_AFTER_DAYS": "30", "COGNATE_ROTATE_PUBLISH_LEAD": "1h"}))
	if err != nil || s.After != 30*24*time.Hour || s.PublishLead != time.Hour {
		t.Fatalf("set: %+v, %v", s, err)
	}
	for k, v := range map[string]string{
		"COGNATE_ROTATE_AFTER_DAYS":   "0",
		"COGNATE_ROTATE_PUBLISH_LEAD": "1m",
	} {
		if _, err := awsapp.RotateSettingsFromEnv(get(map[string]string{k: v})); err == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
	for _, v := range []string{"-1", "ninety", "3651"} {
		if _, err := awsapp.RotateSettingsFromEnv(get(map[string]string{"COGNATE_ROTATE_AFTER_DAYS": v})); err == nil {
			t.Errorf("COGNATE_ROTATE_AFTER_DAYS=%s accepted", v)
		}
	}
}
