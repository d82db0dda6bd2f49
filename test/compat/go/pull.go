package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
)

func splitTags(expression string) []string {
	var tags []string
	for _, part := range strings.Split(expression, "||") {
		if tag := strings.TrimSpace(part); tag != "" {
			tags = append(tags, tag)
		}
	}
	return tags
}

// PollResult is what pull-poll returns: the messages polled, and per queue the consumer's
// committed offset after acknowledging them next to the broker's max offset.
type PollResult struct {
	Sent      []Sent          `json:"sent"`
	Received  []Received      `json:"received"`
	Committed map[int]int64   `json:"committed"`
	Queues    []QueueSnapshot `json:"queues"`
}

// QueueSnapshot is one queue's state as PullFrom reports it from offset 0.
type QueueSnapshot struct {
	QueueID         int     `json:"queueId"`
	Offset          int64   `json:"offset"`
	Offsets         []int64 `json:"offsets"`
	Status          string  `json:"status"`
	MinOffset       int64   `json:"minOffset"`
	MaxOffset       int64   `json:"maxOffset"`
	NextBeginOffset int64   `json:"nextBeginOffset"`
}

var pullStatusNames = map[primitive.PullStatus]string{
	primitive.PullFound:         "FOUND",
	primitive.PullNoNewMsg:      "NO_NEW_MSG",
	primitive.PullNoMsgMatched:  "NO_MATCHED_MSG",
	primitive.PullOffsetIllegal: "OFFSET_ILLEGAL",
	primitive.PullBrokerTimeout: "BROKER_TIMEOUT",
}

func startPull(args Args) (rocketmq.PullConsumer, error) {
	opts, err := consumerBase(args, "pull")
	if err != nil {
		return nil, err
	}
	pc, err := rocketmq.NewPullConsumer(opts...)
	if err != nil {
		return nil, err
	}
	expression := args.Expression
	if expression == "" {
		expression = "*"
	}
	if err := pc.Subscribe(args.Topic, consumer.MessageSelector{Type: consumer.TAG, Expression: expression}); err != nil {
		return nil, err
	}
	if err := pc.Start(); err != nil {
		return nil, fmt.Errorf("pull consumer start: %w", err)
	}
	return pc, nil
}

func sendPlain(args Args) ([]Sent, error) {
	p, err := newProducer(args)
	if err != nil {
		return nil, err
	}
	defer func() { _ = p.Shutdown() }()
	msgs := make([]*primitive.Message, 0, args.Count)
	for i := 0; i < args.Count; i++ {
		msgs = append(msgs, message(args, i))
	}
	return sendAll(p, msgs)
}

// pullPollScenario: the subscribing pull consumer (rebalanced queues, Poll then ACK), polled
// until every matching message came or the deadline passed.
func pullPollScenario(args Args) (any, error) {
	sent, err := sendPlain(args)
	if err != nil {
		return nil, err
	}
	want := 0
	matches := map[string]bool{}
	for _, tag := range splitTags(args.Expression) {
		matches[tag] = true
	}
	for _, s := range sent {
		if args.Expression == "" || args.Expression == "*" || matches[s.Tag] {
			want++
		}
	}
	pc, err := startPull(args)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Shutdown() }()
	var received []Received
	committed := map[int]int64{}
	until := deadline(args)
	settle := time.Time{}
	for time.Now().Before(until) && (settle.IsZero() || time.Now().Before(settle)) {
		cr, err := pc.Poll(context.Background(), 500*time.Millisecond)
		if consumer.IsNoNewMsgError(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("poll: %w", err)
		}
		for _, msg := range cr.GetMsgList() {
			received = append(received, receivedFrom(msg))
		}
		pc.ACK(context.Background(), cr, consumer.ConsumeSuccess)
		if offset, err := pc.CurrentOffset(cr.GetMQ()); err == nil {
			committed[cr.GetMQ().QueueId] = offset
		}
		if len(received) >= want && settle.IsZero() {
			settle = time.Now().Add(time.Duration(args.SettleMs) * time.Millisecond)
		}
	}
	return PollResult{Sent: sent, Received: received, Committed: committed}, nil
}

// pullOffsetScenario: PullFrom on each queue at offset 0, then from the middle of it, as an
// application managing its own offsets does. (Not past the end: that long-polls for 20 s.)
func pullOffsetScenario(args Args) (any, error) {
	sent, err := sendPlain(args)
	if err != nil {
		return nil, err
	}
	pc, err := startPull(args)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Shutdown() }()
	queues, err := pc.GetTopicRouteInfo(args.Topic)
	if err != nil {
		return nil, err
	}
	var snapshots []QueueSnapshot
	var received []Received
	for _, queue := range queues {
		var end int64
		for pass := 0; pass < 2; pass++ {
			if pass == 1 && end < 2 {
				break
			}
			mq := *queue
			at := end / 2
			result, err := pc.PullFrom(context.Background(), &mq, at, 64)
			if err != nil {
				return nil, fmt.Errorf("pull %s at %d: %w", mq.String(), at, err)
			}
			end = result.MaxOffset
			snapshot := QueueSnapshot{
				QueueID: mq.QueueId, Offset: at, Status: pullStatusNames[result.Status],
				MinOffset: result.MinOffset, MaxOffset: result.MaxOffset,
				NextBeginOffset: result.NextBeginOffset,
			}
			for _, msg := range result.GetMessageExts() {
				snapshot.Offsets = append(snapshot.Offsets, msg.QueueOffset)
				if pass == 0 {
					received = append(received, receivedFrom(msg))
				}
			}
			snapshots = append(snapshots, snapshot)
		}
	}
	return PollResult{Sent: sent, Received: received, Queues: snapshots}, nil
}
