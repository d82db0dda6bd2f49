package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
)

// SendResult is what the send scenarios return: each send, then the topic read back.
type SendResult struct {
	Sent     []Sent     `json:"sent"`
	ReadBack []Received `json:"readBack"`
}

func message(args Args, i int) *primitive.Message {
	msg := primitive.NewMessage(args.Topic, []byte(fmt.Sprintf("%s-%03d", args.Prefix, i)))
	msg.WithKeys([]string{fmt.Sprintf("%s-key-%03d", args.Prefix, i)})
	if len(args.Tags) > 0 {
		msg.WithTag(args.Tags[i%len(args.Tags)])
	}
	return msg
}

func sendSyncScenario(args Args) (any, error) {
	p, err := newProducer(args)
	if err != nil {
		return nil, err
	}
	defer func() { _ = p.Shutdown() }()
	sent := make([]Sent, 0, args.Count)
	for i := 0; i < args.Count; i++ {
		msg := message(args, i)
		at := nowMs()
		result, err := p.SendSync(context.Background(), msg)
		if err != nil {
			return nil, fmt.Errorf("send %d: %w", i, err)
		}
		sent = append(sent, sentFrom(result, msg, at))
	}
	back, err := readBack(args, args.Count)
	if err != nil {
		return nil, err
	}
	return SendResult{Sent: sent, ReadBack: back}, nil
}

// sendAsyncScenario issues every send before any callback is awaited, then waits for all of
// them (bounded by the timeout). One synchronous send creates the topic first: Apache's broker
// registers a new topic while the burst waits behind it in its send queue, and a loaded machine
// makes that wait longer than the 200 ms after which it answers "broker busy".
func sendAsyncScenario(args Args) (any, error) {
	p, err := newProducer(args)
	if err != nil {
		return nil, err
	}
	defer func() { _ = p.Shutdown() }()
	warm := primitive.NewMessage(args.Topic, []byte(args.Prefix+"-warm"))
	if _, err := p.SendSync(context.Background(), warm); err != nil {
		return nil, fmt.Errorf("warm-up send: %w", err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sent := make([]Sent, 0, args.Count)
	var failures []string
	for i := 0; i < args.Count; i++ {
		msg := message(args, i)
		at := nowMs()
		wg.Add(1)
		err := p.SendAsync(context.Background(), func(_ context.Context, result *primitive.SendResult, err error) {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures = append(failures, fmt.Sprintf("%s: %v", msg.Body, err))
				return
			}
			sent = append(sent, sentFrom(result, msg, at))
		}, msg)
		if err != nil {
			wg.Done()
			return nil, fmt.Errorf("send %d: %w", i, err)
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Until(deadline(args))):
		return nil, fmt.Errorf("async sends: callbacks outstanding after %d ms", args.TimeoutMs)
	}
	if len(failures) > 0 {
		return nil, fmt.Errorf("async sends failed: %v", failures)
	}
	back, err := readBack(args, args.Count+1)
	if err != nil {
		return nil, err
	}
	return SendResult{Sent: sent, ReadBack: back}, nil
}
