package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

// ConsumeResult is what the push scenarios return.
type ConsumeResult struct {
	Sent     []Sent     `json:"sent"`
	Received []Received `json:"received"`
}

// collector gathers deliveries and says when `want` of them have arrived.
type collector struct {
	mu       sync.Mutex
	received []Received
	want     int
	enough   chan struct{}
	once     sync.Once
}

func newCollector(want int) *collector {
	return &collector{want: want, enough: make(chan struct{})}
}

func (c *collector) add(msgs ...*primitive.MessageExt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, msg := range msgs {
		c.received = append(c.received, receivedFrom(msg))
	}
	if len(c.received) >= c.want {
		c.once.Do(func() { close(c.enough) })
	}
}

// wait returns once `want` arrived and settleMs more passed (to see extras), or at the deadline.
func (c *collector) wait(args Args) []Received {
	select {
	case <-c.enough:
		time.Sleep(time.Duration(args.SettleMs) * time.Millisecond)
	case <-time.After(time.Until(deadline(args))):
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Received(nil), c.received...)
}

// startPush starts a push consumer on the topic that hands every delivery to the collector.
func startPush(args Args, c *collector, extra ...consumer.Option) (rocketmq.PushConsumer, error) {
	opts, err := consumerBase(args, "push")
	if err != nil {
		return nil, err
	}
	pc, err := rocketmq.NewPushConsumer(append(opts, extra...)...)
	if err != nil {
		return nil, err
	}
	expression := args.Expression
	if expression == "" {
		expression = "*"
	}
	selector := consumer.MessageSelector{Type: consumer.TAG, Expression: expression}
	err = pc.Subscribe(args.Topic, selector, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		c.add(msgs...)
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		return nil, err
	}
	if err := pc.Start(); err != nil {
		return nil, fmt.Errorf("push consumer start: %w", err)
	}
	return pc, nil
}

func sendAll(p rocketmq.Producer, msgs []*primitive.Message) ([]Sent, error) {
	sent := make([]Sent, 0, len(msgs))
	for i, msg := range msgs {
		at := nowMs()
		result, err := p.SendSync(context.Background(), msg)
		if err != nil {
			return nil, fmt.Errorf("send %d: %w", i, err)
		}
		s := sentFrom(result, msg, at)
		if level := msg.GetProperty(primitive.PropertyDelayTimeLevel); level != "" {
			s.DelayLevel, _ = strconv.Atoi(level)
		}
		sent = append(sent, s)
	}
	return sent, nil
}

// pushTagsScenario sends first (so the topic exists), then subscribes from the first offset
// with a tag expression; `count` is how many of the sent messages the expression matches.
func pushTagsScenario(args Args) (any, error) {
	p, err := newProducer(args)
	if err != nil {
		return nil, err
	}
	defer func() { _ = p.Shutdown() }()
	msgs := make([]*primitive.Message, 0, args.Count)
	for i := 0; i < args.Count; i++ {
		msgs = append(msgs, message(args, i))
	}
	sent, err := sendAll(p, msgs)
	if err != nil {
		return nil, err
	}
	want := 0
	matches := map[string]bool{}
	for _, tag := range splitTags(args.Expression) {
		matches[tag] = true
	}
	for _, msg := range msgs {
		if matches[msg.GetTags()] {
			want++
		}
	}
	c := newCollector(want)
	pc, err := startPush(args, c)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Shutdown() }()
	return ConsumeResult{Sent: sent, Received: c.wait(args)}, nil
}

// orderlyScenario sends each key's messages in sequence through the hash queue selector
// (one queue per sharding key), interleaving keys, and consumes them with an orderly consumer.
func orderlyScenario(args Args) (any, error) {
	p, err := newProducer(args, producer.WithQueueSelector(producer.NewHashQueueSelector()))
	if err != nil {
		return nil, err
	}
	defer func() { _ = p.Shutdown() }()
	msgs := make([]*primitive.Message, 0, args.Count*len(args.Keys))
	for seq := 0; seq < args.Count; seq++ {
		for _, key := range args.Keys {
			msg := primitive.NewMessage(args.Topic, []byte(fmt.Sprintf("%s:%03d", key, seq)))
			msg.WithShardingKey(key)
			msg.WithKeys([]string{key})
			msg.WithTag("Ordered")
			msgs = append(msgs, msg)
		}
	}
	sent, err := sendAll(p, msgs)
	if err != nil {
		return nil, err
	}
	c := newCollector(len(msgs))
	pc, err := startPush(args, c, consumer.WithConsumerOrder(true))
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Shutdown() }()
	return ConsumeResult{Sent: sent, Received: c.wait(args)}, nil
}

// delayScenario starts the consumer first (its topic made by one plain send), then sends one
// message per delay level and records when each arrives.
func delayScenario(args Args) (any, error) {
	p, err := newProducer(args)
	if err != nil {
		return nil, err
	}
	defer func() { _ = p.Shutdown() }()
	warm := primitive.NewMessage(args.Topic, []byte(args.Prefix+"-warm")).WithTag("Warm")
	if _, err := p.SendSync(context.Background(), warm); err != nil {
		return nil, fmt.Errorf("warm-up send: %w", err)
	}
	c := newCollector(1 + len(args.Levels))
	args.Expression = "Delayed || Warm"
	pc, err := startPush(args, c)
	if err != nil {
		return nil, err
	}
	defer func() { _ = pc.Shutdown() }()
	msgs := make([]*primitive.Message, 0, len(args.Levels))
	for _, level := range args.Levels {
		body := fmt.Sprintf("%s-level-%d", args.Prefix, level)
		msgs = append(msgs, primitive.NewMessage(args.Topic, []byte(body)).WithTag("Delayed").WithDelayTimeLevel(level))
	}
	sent, err := sendAll(p, msgs)
	if err != nil {
		return nil, err
	}
	received := c.wait(args)
	sort.Slice(received, func(i, j int) bool { return received[i].ReceivedAt < received[j].ReceivedAt })
	return ConsumeResult{Sent: sent, Received: received}, nil
}
