// Package hookkit is what the sample trigger hooks that reach AWS share: their ports to DynamoDB
// and SES (one method each, which *dynamodb.Client and *sesv2.Client satisfy), a deadline on
// every call, and reading their environment so that a function with a missing or wrong variable
// fails at start, naming it.
//
// A Cognito trigger has 5 seconds in all (cognito-protocol.md §7.1), so each AWS call is bounded
// well inside that (CALL_TIMEOUT, 2 s by default), and a hung call fails the one invocation
// instead of the sign-in timing out with a less helpful error.
package hookkit

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// DefaultCallTimeout bounds one AWS call when CALL_TIMEOUT is not set.
const DefaultCallTimeout = 2 * time.Second

// ItemGetter is the one DynamoDB call the hooks make.
type ItemGetter interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// MailSender is the one SES v2 call the hooks make.
type MailSender interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

var (
	_ ItemGetter = (*dynamodb.Client)(nil)
	_ MailSender = (*sesv2.Client)(nil)
)

// GetItem reads the item whose string partition key attribute keyAttr is key from table, within
// timeout. A missing item is (nil, nil).
func GetItem(ctx context.Context, db ItemGetter, timeout time.Duration, table, keyAttr, key string) (map[string]ddbtypes.AttributeValue, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key:       map[string]ddbtypes.AttributeValue{keyAttr: &ddbtypes.AttributeValueMemberS{Value: key}},
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s from %s: %w", keyAttr, table, err)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

// String is the string attribute name of item, or "" when it is absent or not a string.
func String(item map[string]ddbtypes.AttributeValue, name string) string {
	if v, ok := item[name].(*ddbtypes.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// Strings is the string set or list of strings name of item (nil when absent); a list holding
// anything but strings is an error.
func Strings(item map[string]ddbtypes.AttributeValue, name string) ([]string, error) {
	switch v := item[name].(type) {
	case nil:
		return nil, nil
	case *ddbtypes.AttributeValueMemberSS:
		return v.Value, nil
	case *ddbtypes.AttributeValueMemberL:
		out := make([]string, 0, len(v.Value))
		for _, e := range v.Value {
			s, ok := e.(*ddbtypes.AttributeValueMemberS)
			if !ok {
				return nil, fmt.Errorf("attribute %s: a list of strings expected", name)
			}
			out = append(out, s.Value)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("attribute %s: a string set or a list of strings expected", name)
	}
}

// Bool is the boolean attribute name of item, and whether it is there.
func Bool(item map[string]ddbtypes.AttributeValue, name string) (value, ok bool) {
	v, ok := item[name].(*ddbtypes.AttributeValueMemberBOOL)
	if !ok {
		return false, false
	}
	return v.Value, true
}

// Mail is one message the hooks send.
type Mail struct {
	From, To      string
	Subject       string
	Text, HTML    string
	ConfigSetName string // optional SES configuration set
}

// Send sends m through SES within timeout.
func Send(ctx context.Context, ses MailSender, timeout time.Duration, m Mail) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	utf8 := func(s string) *sestypes.Content {
		return &sestypes.Content{Data: aws.String(s), Charset: aws.String("UTF-8")}
	}
	body := &sestypes.Body{Text: utf8(m.Text)}
	if m.HTML != "" {
		body.Html = utf8(m.HTML)
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.From),
		Destination:      &sestypes.Destination{ToAddresses: []string{m.To}},
		Content:          &sestypes.EmailContent{Simple: &sestypes.Message{Subject: utf8(m.Subject), Body: body}},
	}
	if m.ConfigSetName != "" {
		in.ConfigurationSetName = aws.String(m.ConfigSetName)
	}
	if _, err := ses.SendEmail(ctx, in); err != nil {
		return fmt.Errorf("sending mail through SES: %w", err)
	}
	return nil
}

// Env reads a function's environment (os.Getenv, or a map in tests) and collects what is wrong
// with it, so a function reports every bad variable at once.
type Env struct {
	Getenv func(string) string
	errs   []error
}

// Required is the variable name, which must be set; what says what it is for.
func (e *Env) Required(name, what string) string {
	v := strings.TrimSpace(e.Getenv(name))
	if v == "" {
		e.errs = append(e.errs, fmt.Errorf("%s is not set (%s)", name, what))
	}
	return v
}

// Address is the required variable name holding one email address, "Name <a@b>" or "a@b".
func (e *Env) Address(name, what string) string {
	v := e.Required(name, what)
	if v == "" {
		return ""
	}
	if _, err := mail.ParseAddress(v); err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q is not an email address (%s): %v", name, v, what, err))
	}
	return v
}

// CallTimeout is CALL_TIMEOUT, a Go duration bounding each AWS call (DefaultCallTimeout when
// unset).
func (e *Env) CallTimeout() time.Duration {
	v := strings.TrimSpace(e.Getenv("CALL_TIMEOUT"))
	if v == "" {
		return DefaultCallTimeout
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.errs = append(e.errs, fmt.Errorf("CALL_TIMEOUT=%q is not a positive duration such as 2s", v))
		return DefaultCallTimeout
	}
	return d
}

// Err is every problem found, or nil.
func (e *Env) Err() error { return errors.Join(e.errs...) }
