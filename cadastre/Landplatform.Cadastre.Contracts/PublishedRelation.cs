namespace Landplatform.Cadastre.Contracts;

/// <summary>
/// A table or view a module publishes for other modules' SQL to read (or, for the outbox, to write): its read contract.
/// The owning module keeps it stable; every other relation in its schema is its own business, and
/// <c>ModuleSqlBoundaryTests</c> fails when another module's SQL names one.
/// </summary>
/// <param name="Name">Schema-qualified, e.g. <c>registry.parcel_owners</c>.</param>
/// <param name="Meaning">What a reader may rely on.</param>
public sealed record PublishedRelation(string Name, string Meaning);
