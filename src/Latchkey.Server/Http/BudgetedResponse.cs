using Microsoft.AspNetCore.Http.Features;

namespace Latchkey.Server.Http;

/// <summary>
/// The response as a request's own code sees it while its budget runs. When the budget runs out
/// before an answer has begun, <see cref="TryClose"/> takes the response away from that code: its
/// status, headers and body writes from then on go nowhere (status and writes throw), so the 503
/// that <see cref="RequestBudget"/> sends cannot turn into a late 200 halfway through.
/// </summary>
internal sealed class BudgetedResponse : IHttpResponseFeature, IDisposable
{
    private readonly IHttpResponseFeature response;

    /// <summary>Held for each status change and body write, and by <see cref="TryClose"/>: the two never interleave.</summary>
    private readonly SemaphoreSlim turn = new(1, 1);
    private readonly HeaderDictionary discarded = [];
    private volatile bool closed;

    public BudgetedResponse(IHttpResponseFeature response, IHttpResponseBodyFeature body)
    {
        this.response = response;
        Body = new StreamResponseBodyFeature(new GuardedStream(body.Stream, this), body);
    }

    /// <summary>The body feature the request's code writes through.</summary>
    public IHttpResponseBodyFeature Body { get; }

    public int StatusCode
    {
        get => response.StatusCode;
        set
        {
            Enter();
            try
            {
                response.StatusCode = value;
            }
            finally
            {
                Exit();
            }
        }
    }

    public string? ReasonPhrase
    {
        get => response.ReasonPhrase;
        set
        {
            Enter();
            try
            {
                response.ReasonPhrase = value;
            }
            finally
            {
                Exit();
            }
        }
    }

    public IHeaderDictionary Headers
    {
        get => closed ? discarded : response.Headers;
        set => throw new NotSupportedException("The response headers cannot be replaced.");
    }

#pragma warning disable CS0618 // Part of the interface; writes go through Body.
    Stream IHttpResponseFeature.Body
    {
        get => Body.Stream;
        set => throw new NotSupportedException("Replace the response body through IHttpResponseBodyFeature.");
    }
#pragma warning restore CS0618

    public bool HasStarted => closed || response.HasStarted;

    public void OnStarting(Func<object, Task> callback, object state) => response.OnStarting(callback, state);

    public void OnCompleted(Func<object, Task> callback, object state) => response.OnCompleted(callback, state);

    /// <summary>True when no answer had begun: the response is the budget's from now on.</summary>
    public bool TryClose()
    {
        // A write that holds the turn longer than this is sending a body: the answer has begun.
        if (!turn.Wait(TimeSpan.FromMilliseconds(50)))
        {
            return false;
        }

        try
        {
            if (response.HasStarted)
            {
                return false;
            }

            closed = true;
            return true;
        }
        finally
        {
            turn.Release();
        }
    }

    public void Dispose() => turn.Dispose();

    private void Enter()
    {
        turn.Wait();
        if (closed)
        {
            turn.Release();
            throw Late();
        }
    }

    private async ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (closed)
        {
            turn.Release();
            throw Late();
        }
    }

    private void Exit() => turn.Release();

    private static OperationCanceledException Late() => new("The request ran out of its time budget; a 503 was sent instead.");

    /// <summary>The body stream, one write at a time, refused once the budget has closed the response.</summary>
    private sealed class GuardedStream(Stream inner, BudgetedResponse owner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            owner.Enter();
            try
            {
                inner.Write(buffer, offset, count);
            }
            finally
            {
                owner.Exit();
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await owner.EnterAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                owner.Exit();
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
            owner.Enter();
            try
            {
                inner.Flush();
            }
            finally
            {
                owner.Exit();
            }
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await owner.EnterAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                owner.Exit();
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
