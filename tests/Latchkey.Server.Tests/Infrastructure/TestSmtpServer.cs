using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using MimeKit;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>One message as the test mail server took it: envelope and parsed content.</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> To, MimeMessage Message);

/// <summary>
/// A mail server on a loopback port, speaking just enough SMTP (EHLO, MAIL, RCPT, DATA, RSET, NOOP,
/// QUIT; no STARTTLS) for a real client. It keeps every message, or refuses the next ones with the
/// answers queued in <see cref="Refusals"/>.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Channel<ReceivedMail> arrivals = Channel.CreateUnbounded<ReceivedMail>();
    private readonly ConcurrentQueue<ReceivedMail> received = new();
    private readonly Task accepting;

    private TestSmtpServer()
    {
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public IReadOnlyCollection<ReceivedMail> Received => received;

    /// <summary>Answers to the end of DATA for the next messages, such as <c>451 4.3.0 try again later</c>.</summary>
    public ConcurrentQueue<string> Refusals { get; } = new();

    public static TestSmtpServer Start() => new();

    /// <summary>Settings that make a Latchkey server send its notices here.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Latchkey:Notifications:Smtp:Host"] = "127.0.0.1",
        ["Latchkey:Notifications:Smtp:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Latchkey:Notifications:Smtp:From"] = "latchkey@example.test",
    };

    /// <summary>The next message to arrive; a bound on waiting, never a pause.</summary>
    public async Task<ReceivedMail> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        return await arrivals.Reader.ReadAsync(cancel.Token);
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(stopping.Token);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 smtp.example.test ESMTP test server");
        var (from, to) = ("", new List<string>());
        try
        {
            while (await reader.ReadLineAsync(stopping.Token) is { } line)
            {
                switch (line.Split(' ', 2)[0].ToUpperInvariant())
                {
                    case "EHLO":
                        await writer.WriteAsync("250-smtp.example.test\r\n250 8BITMIME\r\n");
                        break;
                    case "HELO" or "NOOP":
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "MAIL":
                        (from, to) = (Address(line), []);
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "RCPT":
                        to.Add(Address(line));
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "RSET":
                        (from, to) = ("", []);
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        await writer.WriteLineAsync(await ReadDataAsync(reader, from, to));
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 5.5.2 Command not implemented");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or the server stopped.
        }
    }

    private async Task<string> ReadDataAsync(StreamReader reader, string from, List<string> to)
    {
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(stopping.Token) is { } line && line != ".")
        {
            // Dot-stuffing (RFC 5321 4.5.2): a leading dot was doubled by the client.
            data.Append(line.StartsWith("..", StringComparison.Ordinal) ? line[1..] : line).Append("\r\n");
        }

        if (Refusals.TryDequeue(out var refusal))
        {
            return refusal;
        }

        var message = await MimeMessage.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(data.ToString())));
        var mail = new ReceivedMail(from, [.. to], message);
        received.Enqueue(mail);
        await arrivals.Writer.WriteAsync(mail);
        return "250 2.0.0 OK queued";
    }

    private static string Address(string line) =>
        line[(line.IndexOf('<', StringComparison.Ordinal) + 1)..line.IndexOf('>', StringComparison.Ordinal)];

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        await accepting;
        stopping.Dispose();
    }
}
