// Package sns publishes notifications to an Amazon SNS topic with the
// topic's Publish and PublishBatch APIs (aws-sdk-go-v2): each message's
// body is the message itself — DevOps Guru's SNS message shape, so
// subscribers written for DevOps Guru read tend's too. Message attributes
// MessageType, InsightSeverity and ProblemType allow subscription filter
// policies. A FIFO topic (.fifo) gets the MessageId as deduplication id
// and the insight (or run) as message group, so SNS itself drops a
// redelivery and keeps each insight's messages in order.
package sns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
)

// API is the part of the SNS client the channel uses.
type API interface {
	Publish(ctx context.Context, in *awssns.PublishInput, opts ...func(*awssns.Options)) (*awssns.PublishOutput, error)
	PublishBatch(ctx context.Context, in *awssns.PublishBatchInput, opts ...func(*awssns.Options)) (*awssns.PublishBatchOutput, error)
}

// SNS publishes to one topic.
type SNS struct {
	api   API
	topic string
	fifo  bool
}

var _ notify.Notifier = (*SNS)(nil)

// New returns the SNS channel of a spec with a client built from cfg (the
// spec's region and endpoint override cfg's).
func New(s notify.Spec, cfg awssdk.Config) *SNS {
	if s.Region != "" {
		cfg.Region = s.Region
	}
	client := awssns.NewFromConfig(cfg, func(o *awssns.Options) {
		if s.EndpointURL != "" {
			o.BaseEndpoint = awssdk.String(s.EndpointURL)
		}
	})
	return NewWithAPI(s.TopicARN, client)
}

// NewWithAPI returns the channel over an SNS client.
func NewWithAPI(topicARN string, api API) *SNS {
	return &SNS{api: api, topic: topicARN, fifo: strings.HasSuffix(topicARN, ".fifo")}
}

func attrs(m message.Message) map[string]types.MessageAttributeValue {
	out := map[string]types.MessageAttributeValue{
		"MessageType": {DataType: awssdk.String("String"), StringValue: awssdk.String(m.MessageType)},
	}
	if m.InsightSeverity != "" {
		out["InsightSeverity"] = types.MessageAttributeValue{DataType: awssdk.String("String"), StringValue: awssdk.String(m.InsightSeverity)}
	}
	if m.ProblemType != "" {
		out["ProblemType"] = types.MessageAttributeValue{DataType: awssdk.String("String"), StringValue: awssdk.String(m.ProblemType)}
	}
	return out
}

func group(m message.Message) string {
	if m.InsightId != "" {
		return m.InsightId
	}
	if m.Run != nil {
		return m.Run.RunId
	}
	return "tend"
}

// dedupID fits a MessageId into SNS's 128 characters of [A-Za-z0-9 punct].
func dedupID(id string) string {
	if len(id) > 128 {
		id = id[len(id)-128:]
	}
	return id
}

// Notify publishes every message: one Publish for a single message, else
// PublishBatch in chunks of 10.
func (s *SNS) Notify(ctx context.Context, b notify.Batch) error {
	if len(b.Messages) == 1 {
		m := b.Messages[0]
		body, err := json.Marshal(m)
		if err != nil {
			return notify.Permanent(fmt.Errorf("encode message: %w", err))
		}
		in := &awssns.PublishInput{TopicArn: awssdk.String(s.topic), Message: awssdk.String(string(body)),
			Subject: awssdk.String(subject(m)), MessageAttributes: attrs(m)}
		if s.fifo {
			in.MessageDeduplicationId, in.MessageGroupId, in.Subject = awssdk.String(dedupID(m.MessageId)), awssdk.String(group(m)), nil
		}
		if _, err := s.api.Publish(ctx, in); err != nil {
			return classify("publish to SNS", err)
		}
		return nil
	}
	for start := 0; start < len(b.Messages); start += 10 {
		chunk := b.Messages[start:min(start+10, len(b.Messages))]
		in := &awssns.PublishBatchInput{TopicArn: awssdk.String(s.topic)}
		for i, m := range chunk {
			body, err := json.Marshal(m)
			if err != nil {
				return notify.Permanent(fmt.Errorf("encode message: %w", err))
			}
			e := types.PublishBatchRequestEntry{Id: awssdk.String("m" + strconv.Itoa(i)), Message: awssdk.String(string(body)),
				Subject: awssdk.String(subject(m)), MessageAttributes: attrs(m)}
			if s.fifo {
				e.MessageDeduplicationId, e.MessageGroupId, e.Subject = awssdk.String(dedupID(m.MessageId)), awssdk.String(group(m)), nil
			}
			in.PublishBatchRequestEntries = append(in.PublishBatchRequestEntries, e)
		}
		out, err := s.api.PublishBatch(ctx, in)
		if err != nil {
			return classify("publish a batch to SNS", err)
		}
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			err := fmt.Errorf("publish a batch to SNS: %d of %d entries failed, e.g. %s: %s", len(out.Failed), len(chunk), awssdk.ToString(f.Code), awssdk.ToString(f.Message))
			if f.SenderFault {
				return notify.Permanent(err)
			}
			return err
		}
	}
	return nil
}

// subject is SNS's e-mail subject line: ASCII, at most 100 characters.
func subject(m message.Message) string {
	s := strings.Map(func(r rune) rune {
		if r < 32 || r > 126 {
			return ' '
		}
		return r
	}, "tend: "+m.Title())
	if len(s) > 100 {
		s = s[:99] + "."
	}
	return s
}

// classify marks SNS's client errors (bad parameters, no such topic, no
// permission) permanent; throttling and server errors are retried.
func classify(what string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorFault() == smithy.FaultClient {
		switch api.ErrorCode() {
		case "Throttling", "ThrottlingException", "ThrottledException":
		default:
			return notify.Permanent(fmt.Errorf("%s: %w", what, err))
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}
