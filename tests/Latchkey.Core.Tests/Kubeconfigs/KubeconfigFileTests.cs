using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Core.Tests.Kubeconfigs;

public class KubeconfigFileTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode WorldReadable = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static Kubeconfig Ours() => KubeconfigTemplates.WithToken(Samples.Cluster(), Samples.TokenId, "CI deploy", Samples.FakeSecret);

    private static Task<MergeResult> MergeAsync(string path) =>
        KubeconfigFile.UpdateAsync(path, config => KubeconfigMerge.Merge(config, Ours(), setCurrentContext: false));

    [Fact]
    public async Task A_new_file_is_0600_in_a_new_0700_folder()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "home", ".kube", "config");

        await MergeAsync(path);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public async Task A_world_readable_file_becomes_0600_and_so_does_its_backup()
    {
        using var dir = new TempFolder();
        var path = dir.File("config");
        File.Copy(Samples.Asset("existing-unrelated.yaml"), path);
        File.SetUnixFileMode(path, WorldReadable);
        await File.WriteAllTextAsync(path + ".bak", "an older backup");
        File.SetUnixFileMode(path + ".bak", WorldReadable);

        await MergeAsync(path);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path + ".bak"));
        Assert.Equal(Samples.ReadAsset("existing-unrelated.yaml"), await File.ReadAllTextAsync(path + ".bak"));
    }

    [Fact]
    public async Task No_temporary_or_lock_file_is_left_behind()
    {
        using var dir = new TempFolder();
        var path = dir.File("config");
        File.Copy(Samples.Asset("existing-unrelated.yaml"), path);

        await MergeAsync(path);

        Assert.Equal(["config", "config.bak"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_symbolic_link_stays_a_link_and_its_target_is_written()
    {
        using var dir = new TempFolder();
        var target = dir.File("dotfiles-config");
        File.Copy(Samples.Asset("existing-unrelated.yaml"), target);
        var link = dir.File("config");
        File.CreateSymbolicLink(link, target);

        await MergeAsync(link);

        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal(Samples.ReadAsset("existing-unrelated-merged.yaml"), await File.ReadAllTextAsync(target));
    }

    [Fact]
    public async Task A_writer_waits_for_the_lock_and_then_reads_what_the_holder_wrote()
    {
        using var dir = new TempFolder();
        var path = dir.File("config");
        var lockFile = path + ".lock";
        await File.WriteAllTextAsync(lockFile, "");

        var waiting = MergeAsync(path);
        Assert.False(File.Exists(path), "nothing is written while another writer holds the lock");
        File.Copy(Samples.Asset("existing-unrelated.yaml"), path);
        File.Delete(lockFile);
        await waiting;

        Assert.Equal(Samples.ReadAsset("existing-unrelated-merged.yaml"), await File.ReadAllTextAsync(path));
        Assert.False(File.Exists(lockFile));
    }

    [Fact]
    public async Task A_failed_change_releases_the_lock_and_writes_nothing()
    {
        using var dir = new TempFolder();
        var path = dir.File("config");

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            KubeconfigFile.UpdateAsync<int>(path, _ => throw new InvalidOperationException("refused")));

        Assert.Empty(Directory.GetFiles(dir.Path));
        await MergeAsync(path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Loading_a_missing_file_gives_an_empty_kubeconfig()
    {
        using var dir = new TempFolder();

        var config = KubeconfigFile.Load(dir.File("nope"));

        Assert.Empty(config.Entries(KubeconfigSection.Contexts));
        Assert.Null(config.CurrentContext);
    }
}
