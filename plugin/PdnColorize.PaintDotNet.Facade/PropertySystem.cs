// Facade of Paint.NET 5.1 PaintDotNet.PropertySystem.dll and the IndirectUI part of PaintDotNet.Core.dll.
// Minimal working implementations, enough for the tests' host simulator to build a dialog and a token.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace PaintDotNet.PropertySystem
{
    public abstract class Property
    {
        private object? _value;

        protected Property(object name, object? defaultValue, bool readOnly)
        {
            Name = name.ToString()!;
            DefaultValue = defaultValue;
            _value = defaultValue;
            ReadOnly = readOnly;
        }

        public string Name { get; }
        public object? DefaultValue { get; }
        public bool ReadOnly { get; set; }

        public object? Value
        {
            get => _value;
            set
            {
                if (ReadOnly) throw new InvalidOperationException($"property {Name} is read-only");
                _value = Validate(value);
            }
        }

        internal abstract object? Validate(object? value);

        internal Property CloneWithValue()
        {
            var copy = (Property)MemberwiseClone();
            return copy;
        }
    }

    public abstract class Property<T> : Property
    {
        protected Property(object name, T defaultValue, bool readOnly) : base(name, defaultValue, readOnly) { }
        public new T Value { get => (T)base.Value!; set => base.Value = value; }
        internal override object? Validate(object? value) => value is T ? value : throw new ArgumentException($"{Name} takes {typeof(T).Name}");
    }

    public abstract class ScalarProperty<T> : Property<T> where T : struct, IComparable<T>
    {
        protected ScalarProperty(object name, T defaultValue, T minValue, T maxValue, bool readOnly)
            : base(name, defaultValue, readOnly) { MinValue = minValue; MaxValue = maxValue; }
        public T MinValue { get; }
        public T MaxValue { get; }
        internal override object? Validate(object? value)
        {
            var v = (T)base.Validate(value)!;
            if (v.CompareTo(MinValue) < 0 || v.CompareTo(MaxValue) > 0) throw new ArgumentOutOfRangeException(Name, $"{v} outside {MinValue}..{MaxValue}");
            return v;
        }
    }

    public sealed class Int32Property : ScalarProperty<int>
    {
        public Int32Property(object name, int defaultValue, int minValue, int maxValue) : base(name, defaultValue, minValue, maxValue, false) { }
    }

    public sealed class StringProperty : Property<string>
    {
        public StringProperty(object name, string defaultValue, int maxLength, bool readOnly) : base(name, defaultValue, readOnly) => MaxLength = maxLength;
        public int MaxLength { get; }
    }

    public sealed class StaticListChoiceProperty : Property<object>
    {
        public StaticListChoiceProperty(object name, object[] valueChoices, int defaultChoiceIndex)
            : base(name, valueChoices[defaultChoiceIndex], false) => ValueChoices = valueChoices;

        public object[] ValueChoices { get; }

        public static StaticListChoiceProperty CreateForEnum<TEnum>(object name, TEnum defaultValue) where TEnum : Enum
        {
            var choices = Enum.GetValues(typeof(TEnum)).Cast<object>().ToArray();
            return new StaticListChoiceProperty(name, choices, Array.IndexOf(choices, defaultValue));
        }

        internal override object? Validate(object? value) =>
            ValueChoices.Contains(value) ? value : throw new ArgumentException($"{value} is not a choice of {Name}");
    }

    /// <summary>Stands in for the rule type of the real constructor overload (rules are not used here).</summary>
    public abstract class PropertyCollectionRule { }

    public sealed class PropertyCollection : IEnumerable<Property>, ICloneable
    {
        private readonly List<Property> _properties;
        public PropertyCollection() : this(Array.Empty<Property>()) { }
        public PropertyCollection(IEnumerable<Property> properties) => _properties = properties.ToList();
        public PropertyCollection(IEnumerable<Property> properties, IEnumerable<PropertyCollectionRule> rules) : this(properties) { }
        public Property this[object propertyName] => _properties.Single(p => p.Name == propertyName.ToString());
        public int Count => _properties.Count;
        public IEnumerable<Property> Properties => _properties;
        public bool TryGetProperty(object propertyName, out Property? property)
        {
            property = _properties.FirstOrDefault(p => p.Name == propertyName.ToString());
            return property is not null;
        }
        public IEnumerator<Property> GetEnumerator() => _properties.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public PropertyCollection Clone() => new(_properties.Select(p => p.CloneWithValue()));
        object ICloneable.Clone() => Clone();
    }
}

namespace PaintDotNet.IndirectUI
{
    using PaintDotNet.PropertySystem;

    // Values as documented for 5.1; only the members used are declared.
    public enum ControlInfoPropertyNames { DisplayName = 0, Description = 1, SliderLargeChange = 9, ShowHeaderLine = 36 }

    public enum PropertyControlType { Slider = 3, DropDown = 5, TextBox = 6 }

    public abstract class ControlInfo
    {
        private protected readonly List<PropertyControlInfo> Children = new();

        public static ControlInfo CreateDefaultConfigUI(IEnumerable<Property> properties)
        {
            var panel = new PanelControlInfo();
            foreach (var p in properties) panel.Children.Add(new PropertyControlInfo(p));
            return panel;
        }

        public PropertyControlInfo? FindControlForPropertyName(object propertyName) =>
            Children.FirstOrDefault(c => c.Property.Name == propertyName.ToString());

        public bool SetPropertyControlValue(object propertyName, object controlPropertyName, object propertyValue)
        {
            if (FindControlForPropertyName(propertyName) is not { } c) return false;
            c.Values[controlPropertyName.ToString()!] = propertyValue;
            return true;
        }

        public bool SetPropertyControlType(object propertyName, PropertyControlType newControlType)
        {
            if (FindControlForPropertyName(propertyName) is not { } c) return false;
            c.ControlType.Value = newControlType;
            return true;
        }

        internal IReadOnlyList<PropertyControlInfo> Controls => Children;
    }

    public static class ControlInfoExtensions
    {
        public static bool SetPropertyControlValue(this ControlInfo controlInfo, object propertyName, ControlInfoPropertyNames controlPropertyName, object? propertyValue) =>
            controlInfo.SetPropertyControlValue(propertyName, (object)controlPropertyName, propertyValue!);
    }

    internal sealed class PanelControlInfo : ControlInfo { }

    public sealed class PropertyControlInfo : ControlInfo
    {
        private readonly Dictionary<object, string> _valueNames = new();
        internal readonly Dictionary<string, object?> Values = new();

        internal PropertyControlInfo(Property property)
        {
            Property = property;
            // As in Paint.NET, the control type is itself a property: a choice among the control types.
            ControlType = StaticListChoiceProperty.CreateForEnum(nameof(ControlType), property switch
            {
                StaticListChoiceProperty => PropertyControlType.DropDown,
                StringProperty => PropertyControlType.TextBox,
                _ => PropertyControlType.Slider,
            });
        }

        public Property Property { get; }
        public StaticListChoiceProperty ControlType { get; }
        public void SetValueDisplayName(object value, string displayName) => _valueNames[value] = displayName;
        public string GetValueDisplayName(object value) => _valueNames.TryGetValue(value, out var n) ? n : value.ToString()!;
        internal object? Get(ControlInfoPropertyNames name) => Values.GetValueOrDefault(name.ToString());
    }
}
