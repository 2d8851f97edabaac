package awsapp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cognatehq/cognate/pkg/config"
	"github.com/cognatehq/cognate/pkg/store/dynamo"
)

// KeyDescriber is the KMS call the cold-start check makes.
type KeyDescriber interface {
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// probe checks, at cold start, that the table and the envelope key the settings name are there
// and usable: one DescribeTable and one DescribeKey, side by side, each within the call deadline.
// A function whose COGNATE_TABLE or COGNATE_ENVELOPE_KEY_ARN is wrong — `sam local invoke` with
// the template's values, which name the stack's resources by logical id, is the common case —
// then fails its start with a message naming the setting, instead of answering every request
// with InternalErrorException.
func probe(ctx context.Context, cfg *config.Config, tbl *dynamo.Table, keys KeyDescriber) error {
	tableErr := make(chan error, 1)
	go func() { tableErr <- tableProblem(ctx, cfg, tbl) }()
	var problems []string
	if err := keyProblem(ctx, cfg, keys); err != nil {
		problems = append(problems, err.Error())
	}
	if err := <-tableErr; err != nil {
		problems = append([]string{err.Error()}, problems...)
	}
	if len(problems) > 0 {
		return errors.New("invalid configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return nil
}

func tableProblem(ctx context.Context, cfg *config.Config, tbl *dynamo.Table) error {
	err := tbl.Verify(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, dynamo.ErrTableMissing):
		return fmt.Errorf("COGNATE_TABLE: there is no table %q in %s (deployed: the stack's table; locally: point AWS_ENDPOINT_URL_DYNAMODB at DynamoDB Local, as events/env.json does): %v",
			cfg.Table, cfg.Region, err)
	default:
		return fmt.Errorf("COGNATE_TABLE: table %q cannot be used (credentials, network, or AWS_ENDPOINT_URL_DYNAMODB?): %v", cfg.Table, err)
	}
}

func keyProblem(ctx context.Context, cfg *config.Config, keys KeyDescriber) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.CallTimeout)
	defer cancel()
	out, err := keys.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(cfg.EnvelopeKeyARN)})
	var nf *kmstypes.NotFoundException
	switch {
	case errors.As(err, &nf):
		return fmt.Errorf("COGNATE_ENVELOPE_KEY_ARN: there is no KMS key %q (deployed: the stack's EnvelopeKey; locally: point AWS_ENDPOINT_URL_KMS at local-kms and name one of its keys): %v",
			cfg.EnvelopeKeyARN, err)
	case err != nil:
		return fmt.Errorf("COGNATE_ENVELOPE_KEY_ARN: KMS key %q cannot be used (credentials, network, or AWS_ENDPOINT_URL_KMS?): %v", cfg.EnvelopeKeyARN, err)
	}
	m := out.KeyMetadata
	switch {
	case m.KeyState != kmstypes.KeyStateEnabled:
		return fmt.Errorf("COGNATE_ENVELOPE_KEY_ARN: KMS key %q is %s; it must be Enabled", cfg.EnvelopeKeyARN, m.KeyState)
	case m.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt || m.KeySpec != kmstypes.KeySpecSymmetricDefault:
		return fmt.Errorf("COGNATE_ENVELOPE_KEY_ARN: KMS key %q is a %s key for %s; it must be a SYMMETRIC_DEFAULT key for ENCRYPT_DECRYPT",
			cfg.EnvelopeKeyARN, m.KeySpec, m.KeyUsage)
	}
	return nil
}
