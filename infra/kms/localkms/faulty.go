package localkms

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

// Faults are the errors checklist KMS-01 names, as the SDK surfaces them, by error code: the
// modeled ones as their types, ThrottlingException (not modeled by the KMS SDK) as a generic API
// error.
func Faults() map[string]error {
	return map[string]error{
		"ThrottlingException":        &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded", Fault: smithy.FaultClient},
		"KMSInternalException":       &types.KMSInternalException{Message: aws.String("internal")},
		"DependencyTimeoutException": &types.DependencyTimeoutException{Message: aws.String("timeout")},
		"DisabledException":          &types.DisabledException{Message: aws.String("disabled")},
		"KMSInvalidStateException":   &types.KMSInvalidStateException{Message: aws.String("pending deletion")},
		"KeyUnavailableException":    &types.KeyUnavailableException{Message: aws.String("unavailable")},
	}
}

// Faulty passes the calls Cognate makes to a real KMS client (the emulator's), counts them per
// operation, and fails the operations it is told to: the narrow-interface seam of checklist
// §2.9 (1). It implements signer.KMSAPI, envelope.KMSAPI and esdk.KMSAPI. Safe for concurrent use.
type Faulty struct {
	c *kms.Client

	mu    sync.Mutex
	every error
	fail  map[string]error
	calls map[string]int
}

// NewFaulty wraps c.
func NewFaulty(c *kms.Client) *Faulty {
	return &Faulty{c: c, fail: map[string]error{}, calls: map[string]int{}}
}

// Fail makes the named operations ("Sign", "Decrypt", …; none: every operation) return err
// without reaching KMS. A nil err lets them through again.
func (f *Faulty) Fail(err error, ops ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(ops) == 0 {
		f.every = err
		clear(f.fail)
		return
	}
	for _, op := range ops {
		if err == nil {
			delete(f.fail, op)
		} else {
			f.fail[op] = err
		}
	}
}

// Calls is how many calls of op were made, failed ones included.
func (f *Faulty) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// String lists the calls made so far per operation, for failure messages.
func (f *Faulty) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprint(f.calls)
}

func (f *Faulty) enter(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	if err := f.fail[op]; err != nil {
		return err
	}
	return f.every
}

func (f *Faulty) CreateKey(ctx context.Context, in *kms.CreateKeyInput, o ...func(*kms.Options)) (*kms.CreateKeyOutput, error) {
	if err := f.enter("CreateKey"); err != nil {
		return nil, err
	}
	return f.c.CreateKey(ctx, in, o...)
}

func (f *Faulty) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, o ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	if err := f.enter("GetPublicKey"); err != nil {
		return nil, err
	}
	return f.c.GetPublicKey(ctx, in, o...)
}

func (f *Faulty) Sign(ctx context.Context, in *kms.SignInput, o ...func(*kms.Options)) (*kms.SignOutput, error) {
	if err := f.enter("Sign"); err != nil {
		return nil, err
	}
	return f.c.Sign(ctx, in, o...)
}

func (f *Faulty) ScheduleKeyDeletion(ctx context.Context, in *kms.ScheduleKeyDeletionInput, o ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error) {
	if err := f.enter("ScheduleKeyDeletion"); err != nil {
		return nil, err
	}
	return f.c.ScheduleKeyDeletion(ctx, in, o...)
}

func (f *Faulty) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, o ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	if err := f.enter("GenerateDataKey"); err != nil {
		return nil, err
	}
	return f.c.GenerateDataKey(ctx, in, o...)
}

func (f *Faulty) Decrypt(ctx context.Context, in *kms.DecryptInput, o ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	if err := f.enter("Decrypt"); err != nil {
		return nil, err
	}
	return f.c.Decrypt(ctx, in, o...)
}

func (f *Faulty) Encrypt(ctx context.Context, in *kms.EncryptInput, o ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	if err := f.enter("Encrypt"); err != nil {
		return nil, err
	}
	return f.c.Encrypt(ctx, in, o...)
}
