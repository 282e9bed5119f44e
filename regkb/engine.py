"""The one entry point shared by the app, the evals and the CLI.

API CONTRACT (implementation in progress; signatures are stable):

    engine = Engine.open(settings)                 # loads models and index once
    engine.ask(question, filters=Filters(), k=10, history=()) -> Answer
    engine.retrieve(question, filters=Filters(), k=10) -> list[Hit]
    engine.lookup(reference) -> list[Passage]      # "民法典第680条" -> that article's passages
    engine.documents() -> list[DocumentInfo]
    engine.passages_of(doc_id) -> list[Passage]    # document order
    engine.check(text) -> list[ClauseResult]        # clause review
    engine.verify(text) -> list[CitationCheck]      # citation verifier
    engine.reload_if_changed() -> bool              # picks up a new index generation

Thread-safe: many sessions may call ask() concurrently.
"""
