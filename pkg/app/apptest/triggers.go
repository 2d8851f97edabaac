package apptest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

func runTriggerTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("LambdaConfig", func(t *testing.T) { testLambdaConfig(t, Start(t, newTable)) })
}

const (
	preSignUpARN = "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up"
	preTokenARN  = "arn:aws:lambda:us-east-1:123456789012:function:pre-token"
	kmsKeyARN    = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

// A pool's LambdaConfig is kept whole, returned by DescribeUserPool, replaced by UpdateUserPool,
// and validated as Cognito validates it.
func testLambdaConfig(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(preSignUpARN), PreTokenGeneration: aws.String(preTokenARN)}
	})
	lc := must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(f.poolID)}))(t).UserPool.LambdaConfig
	if lc == nil || aws.ToString(lc.PreSignUp) != preSignUpARN || aws.ToString(lc.PreTokenGeneration) != preTokenARN {
		t.Fatalf("LambdaConfig %+v", lc)
	}
	if c := lc.PreTokenGenerationConfig; c == nil || c.LambdaVersion != types.PreTokenGenerationLambdaVersionTypeV10 || aws.ToString(c.LambdaArn) != preTokenARN {
		t.Fatalf("the bare PreTokenGeneration is reported as its V1_0 configuration, got %+v", c)
	}

	must(e.Client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(f.poolID), LambdaConfig: &types.LambdaConfigType{
		PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20, LambdaArn: aws.String(preTokenARN)},
		CustomEmailSender:        &types.CustomEmailLambdaVersionConfigType{LambdaVersion: types.CustomEmailSenderLambdaVersionTypeV10, LambdaArn: aws.String(preSignUpARN)},
		KMSKeyID:                 aws.String(kmsKeyARN),
	}}))(t)
	lc = must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(f.poolID)}))(t).UserPool.LambdaConfig
	if lc == nil || lc.PreSignUp != nil || aws.ToString(lc.PreTokenGeneration) != preTokenARN ||
		lc.PreTokenGenerationConfig.LambdaVersion != types.PreTokenGenerationLambdaVersionTypeV20 ||
		lc.CustomEmailSender == nil || aws.ToString(lc.KMSKeyID) != kmsKeyARN {
		t.Fatalf("after UpdateUserPool, LambdaConfig %+v", lc)
	}
	list := must(e.Client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)}))(t)
	for _, p := range list.UserPools {
		if aws.ToString(p.Id) == f.poolID && (p.LambdaConfig == nil || p.LambdaConfig.CustomEmailSender == nil) {
			t.Fatalf("ListUserPools LambdaConfig %+v", p.LambdaConfig)
		}
	}

	for _, c := range []struct {
		name string
		lc   *types.LambdaConfigType
		msg  string
	}{
		{"not an ARN", &types.LambdaConfigType{PreSignUp: aws.String("pre-sign-up-function")},
			"1 validation error detected: Value 'pre-sign-up-function' at 'lambdaConfig.preSignUp' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?"},
		{"an unknown LambdaVersion", &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaVersion: "V9_0", LambdaArn: aws.String(preTokenARN)}}, ""},
		{"two pre-token functions", &types.LambdaConfigType{PreTokenGeneration: aws.String(preSignUpARN),
			PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20, LambdaArn: aws.String(preTokenARN)}}, ""},
		{"a custom sender without KMSKeyID", &types.LambdaConfigType{CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{
			LambdaVersion: types.CustomSMSSenderLambdaVersionTypeV10, LambdaArn: aws.String(preSignUpARN)}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.Client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(f.poolID), LambdaConfig: c.lc})
			wantErr(t, err, "InvalidParameterException", c.msg)
			lc := must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(f.poolID)}))(t).UserPool.LambdaConfig
			if lc == nil || lc.CustomEmailSender == nil {
				t.Fatalf("a refused update changed LambdaConfig: %+v", lc)
			}
		})
	}
}
