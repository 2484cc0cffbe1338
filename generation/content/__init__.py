"""Content builders: lessons, quizzes, diagrams and learning paths from the graph, with
provenance, stored as RDF in the content graph.

- :mod:`generation.content.model` — the dataclasses every other part reads (exporters,
  studio): ``Lesson``, ``Quiz``/``QuizItem``, ``Diagram``, ``LearningPath``, ``ItemState``.
- :mod:`generation.content.builder` — ``Builder``: graph view + text generator + similarity.
- :mod:`generation.content.lesson`, :mod:`~generation.content.quiz`,
  :mod:`~generation.content.diagrams`, :mod:`~generation.content.path` — the builders.
- :mod:`generation.content.repository` — versions, review states and PROV-O in the store.
- :mod:`generation.content.render` — HTML (autoescaped) and Markdown pages.
"""
