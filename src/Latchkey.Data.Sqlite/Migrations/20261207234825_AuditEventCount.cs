using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Data.Sqlite.Migrations
{
    /// <summary>
    /// An audit event counts how many times it happened: repeated failures are collapsed into one
    /// event per window. Every event written before stands for one occurrence.
    /// </summary>
    public partial class AuditEventCount : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Count",
                table: "AuditEvents",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Count",
                table: "AuditEvents");
        }
    }
}
