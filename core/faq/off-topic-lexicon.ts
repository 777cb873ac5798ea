/**
 * What customers ask a business's bot that no business answers — a recipe, the weather, a
 * joke, the news, politics, exchange rates — in Russian and English, as groups like the
 * general lexicon's. A question about one of them gets neither an answer nor «did you mean»
 * buttons, unless the knowledge base itself speaks of it (a cookery school's «рецепты»). Written
 * from general usage, like general-lexicon.ts.
 */
export const offTopicLexicon: string[][] = [
  [
    "рецепт",
    "как приготовить",
    "как сварить",
    "как испечь",
    "как пожарить",
    "приготовить дома",
    "recipe",
    "how to cook",
    "how do i cook",
    "how do i make",
    "how to bake",
  ],
  ["анекдот", "шутка", "пошути", "расскажи шутку", "рассмеши", "joke", "tell me a joke", "make me laugh"],
  ["погода", "прогноз погоды", "будет дождь", "weather", "forecast", "will it rain"],
  ["выборы", "политика", "президент", "правительство", "election", "politics", "president", "government"],
  ["курс доллара", "курс евро", "курс валют", "курс рубля", "exchange rate", "dollar rate"],
  ["гороскоп", "астрология", "знак зодиака", "horoscope", "zodiac"],
  ["смысл жизни", "meaning of life"],
];
