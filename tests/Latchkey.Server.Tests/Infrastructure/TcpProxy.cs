using System.Net;
using System.Net.Sockets;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// A loopback TCP forwarder to put between a server and its database. <see cref="Stall"/> makes it
/// a network that stopped moving packets: connections stay open, new ones are accepted, and no byte
/// passes in either direction until <see cref="Resume"/>.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly int targetPort;
    private readonly CancellationTokenSource stop = new();
    private readonly List<TcpClient> open = [];
    private readonly Task accepting;
    private volatile TaskCompletionSource flowing = Flowing();

    public TcpProxy(int targetPort)
    {
        this.targetPort = targetPort;
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public void Stall()
    {
        if (flowing.Task.IsCompleted)
        {
            flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Resume() => flowing.TrySetResult();

    private static TaskCompletionSource Flowing()
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.SetResult();
        return source;
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        lock (open)
        {
            open.Add(client);
            open.Add(upstream);
        }

        try
        {
            await flowing.Task.WaitAsync(stop.Token);
            await upstream.ConnectAsync(IPAddress.Loopback, targetPort, stop.Token);
            await Task.WhenAny(PumpAsync(client.GetStream(), upstream.GetStream()), PumpAsync(upstream.GetStream(), client.GetStream()));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // One side went away: the other is closed with it.
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task PumpAsync(Stream from, Stream to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, stop.Token);
                if (read == 0)
                {
                    return;
                }

                await flowing.Task.WaitAsync(stop.Token);
                await to.WriteAsync(buffer.AsMemory(0, read), stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
            // Closed by either side, or by the proxy stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        lock (open)
        {
            foreach (var client in open)
            {
                client.Dispose();
            }
        }

        await accepting;
        stop.Dispose();
    }
}
